{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'source_table'],
        on_schema_change='fail',
    )
}}

-- The newest 15-minute window each connection landed, per landed table. Incremental: a build
-- reads only the slices landed since its mark (less var landing_freshness_margin_minutes) and
-- keeps, per connection and table, the newer of what it held and what they bring; a re-run of
-- an old window moves last_landed_at, never the newest window back.
{%- set landings_query %}
    select 'meta_ads' as provider, meta_ads.*
    from {{ ref('stg_meta_ads__landing_log') }} as meta_ads
    union all
    select 'google_ads' as provider, google_ads.*
    from {{ ref('stg_google_ads__landing_log') }} as google_ads
    union all
    select 'shopify' as provider, shopify.*
    from {{ ref('stg_shopify__landing_log') }} as shopify
    union all
    select 'shopify' as provider, shopify_pixel.*
    from {{ ref('stg_shopify_pixel__landing_log') }} as shopify_pixel
{%- endset %}

with

landings as (

    select *
    from ({{ landings_query }}) as landings
    {% if is_incremental() %}
    where landed_at > {{ landing_mark('landing_freshness_margin_minutes', 'last_landed_at') }}
    {% endif %}

),

newest as (

    select
        workspace_id,
        connection_id,
        provider,
        source_table,
        max(window_start) as last_window_start,
        max(window_end) as last_window_end,
        max(landed_at) as last_landed_at
    from landings
    group by workspace_id, connection_id, provider, source_table

)

{% if is_incremental() %}
,

merged as (

    select
        newest.workspace_id,
        newest.connection_id,
        newest.provider,
        newest.source_table,
        case
            when built.last_window_start > newest.last_window_start then built.last_window_start
            else newest.last_window_start
        end as last_window_start,
        case
            when built.last_window_end > newest.last_window_end then built.last_window_end
            else newest.last_window_end
        end as last_window_end,
        case
            when built.last_landed_at > newest.last_landed_at then built.last_landed_at
            else newest.last_landed_at
        end as last_landed_at
    from newest
    left join {{ this }} as built
        on newest.connection_id = built.connection_id
        and newest.source_table = built.source_table

)

select * from merged
{% else %}
select * from newest
{% endif %}
