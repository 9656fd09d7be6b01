-- One row per platform × entity level × id. Both platforms tell the names and statuses of their
-- campaigns, ad groups (Meta: ad sets) and ads in their entities landings (a connection's latest
-- landing wins); an entity missing there (gone from the platform, a connection whose entities
-- never landed) takes the name of its latest reported delivery, without a status.
with meta_entities as (

    select
        *,
        dense_rank() over (
            partition by connection_id order by captured_window_start desc, landed_at desc
        ) as landing_recency
    from {{ ref('stg_meta_ads__entities') }}

),

google_entities as (

    select
        *,
        dense_rank() over (
            partition by connection_id order by captured_window_start desc, landed_at desc
        ) as landing_recency
    from {{ ref('stg_google_ads__entities') }}

),

listed as (

    select
        workspace_id,
        'meta_ads' as platform,
        connection_id,
        account_id,
        case entity_level when 'adset' then 'ad_group' else entity_level end as entity_level,
        entity_id,
        entity_name,
        campaign_id,
        adset_id as ad_group_id,
        status,
        effective_status,
        1 as source_priority,
        landed_at as seen_at
    from meta_entities
    where landing_recency = 1

    union all

    select
        workspace_id,
        'google_ads' as platform,
        connection_id,
        customer_id as account_id,
        entity_level,
        entity_id,
        entity_name,
        campaign_id,
        ad_group_id,
        status,
        -- Google's listings carry the status the advertiser set; what applies through the
        -- parents (a paused campaign's ad groups stay ENABLED) is read off their rows.
        cast(null as {{ dbt.type_string() }}) as effective_status,
        1 as source_priority,
        landed_at as seen_at
    from google_entities
    where landing_recency = 1

),

delivered as (

    {%- set levels = [
        ('campaign', 'campaign_id', 'campaign_name', 'campaign_id', 'null'),
        ('ad_group', 'ad_group_id', 'ad_group_name', 'campaign_id', 'ad_group_id'),
        ('ad', 'ad_id', 'ad_name', 'campaign_id', 'ad_group_id'),
    ] %}
    {%- for level, id_column, name_column, campaign_column, ad_group_column in levels %}
    select
        workspace_id,
        provider as platform,
        connection_id,
        account_id,
        '{{ level }}' as entity_level,
        {{ id_column }} as entity_id,
        {{ name_column }} as entity_name,
        {{ campaign_column }} as campaign_id,
        cast({{ ad_group_column }} as {{ dbt.type_string() }}) as ad_group_id,
        cast(null as {{ dbt.type_string() }}) as status,
        cast(null as {{ dbt.type_string() }}) as effective_status,
        2 as source_priority,
        landed_at as seen_at
    from {{ ref('int_ad_hourly') }}
    where {{ id_column }} is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

candidates as (

    select * from listed
    union all
    select * from delivered

),

ranked as (

    select
        *,
        row_number() over (
            partition by platform, entity_level, entity_id
            order by source_priority, seen_at desc
        ) as preference
    from candidates

)

select
    workspace_id,
    platform,
    connection_id,
    account_id,
    entity_level,
    entity_id,
    entity_name,
    campaign_id,
    ad_group_id,
    status,
    effective_status,
    -- One vocabulary for both platforms' advertiser-set statuses: Meta's ACTIVE and Google's
    -- ENABLED serve; Meta's DELETED and Google's REMOVED are final; ARCHIVED is Meta's alone.
    case
        when status in ('ACTIVE', 'ENABLED') then 'active'
        when status = 'PAUSED' then 'paused'
        when status in ('DELETED', 'REMOVED') then 'removed'
        when status = 'ARCHIVED' then 'archived'
    end as normalized_status
from ranked
where preference = 1
