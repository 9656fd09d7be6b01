{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['workspace_id', 'client_id'],
        on_schema_change='fail',
    )
}}

{#- Visits: a client's browsing events split where 30 minutes pass without one. The checkout's
    thank-you page neither starts nor splits a visit: it belongs to the visit it completes.
    Incremental: the clients with an event landed since the last build (less
    `pixel_events_landing_margin_minutes`) have all their visits recomputed from all their
    events, so a late event that joins or splits visits renumbers them as a full build would. -#}
with browsing_events as (

    select
        *,
        lag(occurred_at) over (
            partition by workspace_id, client_id order by occurred_at, event_id
        ) as previous_occurred_at
    from {{ ref('stg_shopify_pixel__events') }}
    where event_name <> 'checkout_completed'
    {% if is_incremental() %}
        and client_id in (
            select client_id
            from {{ ref('stg_shopify_pixel__events') }}
            where landed_at > {{ landing_mark('pixel_events_landing_margin_minutes') }}
        )
    {% endif %}

),

flagged_events as (

    select
        *,
        case
            when previous_occurred_at is null then 1
            when occurred_at > {{ dbt.dateadd('minute', 30, 'previous_occurred_at') }} then 1
            else 0
        end as starts_session
    from browsing_events

),

numbered_events as (

    select
        *,
        sum(starts_session) over (
            partition by workspace_id, client_id
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from flagged_events

),

session_spans as (

    select
        workspace_id,
        client_id,
        session_number,
        max(occurred_at) as last_event_at,
        count(*) as events,
        max(landed_at) as last_landed_at
    from numbered_events
    group by workspace_id, client_id, session_number

),

landings as (

    select *
    from numbered_events
    where starts_session = 1

)

select
    landings.workspace_id,
    landings.connection_id,
    landings.shop_domain,
    landings.client_id || '-' || cast(landings.session_number as {{ dbt.type_string() }})
        as session_id,
    landings.client_id,
    landings.session_number,
    landings.event_name as landing_event_name,
    landings.occurred_at as started_at,
    session_spans.last_event_at,
    session_spans.events,
    session_spans.last_landed_at,
    landings.page_url as landing_page_url,
    landings.referrer_url,
    landings.utm_source,
    landings.utm_medium,
    landings.utm_campaign,
    landings.utm_content,
    landings.utm_term,
    landings.fbclid,
    landings.gclid,
    {{ attribution_channel(
        'landings.fbclid is not null',
        'landings.gclid is not null',
        'landings.utm_source',
        'landings.utm_medium',
        'landings.referrer_url',
        'landings.shop_domain',
    ) }} as channel
from landings
inner join session_spans
    on landings.workspace_id = session_spans.workspace_id
    and landings.client_id = session_spans.client_id
    and landings.session_number = session_spans.session_number
