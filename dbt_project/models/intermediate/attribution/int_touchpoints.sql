{#- Marketing touchpoints: one per pixel session, plus, for orders only Shopify saw the visits
    of, the first and last visit of the order's journey (their `journey_order_id` set). Each with
    its channel and the ad platform and campaign its UTM parameters name: merchants tag Meta ads
    utm_campaign={{campaign.id}}, Google Ads ones with the campaign id too. -#}
with sessions as (

    select * from {{ ref('int_sessions') }}

),

journey_visits as (

    select * from {{ ref('int_order_journey_visits') }}

),

campaign_names as (

    select * from {{ ref('int_campaign_names') }}

),

unioned as (

    select
        session_id as touchpoint_id,
        'pixel_session' as touchpoint_source,
        workspace_id,
        client_id,
        cast(null as {{ dbt.type_string() }}) as journey_order_id,
        started_at as touched_at,
        channel,
        utm_campaign,
        utm_source,
        utm_medium,
        landing_page_url,
        referrer_url,
        last_landed_at
    from sessions

    union all

    select
        order_id || '|' || visit_id as touchpoint_id,
        'shopify_journey' as touchpoint_source,
        workspace_id,
        cast(null as {{ dbt.type_string() }}) as client_id,
        order_id as journey_order_id,
        visited_at as touched_at,
        channel,
        utm_campaign,
        utm_source,
        utm_medium,
        landing_page_url,
        referrer_url,
        cast(null as timestamptz) as last_landed_at
    from journey_visits

),

touchpoints as (

    select
        *,
        {{ attribution_provider('channel') }} as provider,
        utm_campaign as campaign_id
    from unioned

)

select
    touchpoints.touchpoint_id,
    touchpoints.touchpoint_source,
    touchpoints.workspace_id,
    touchpoints.client_id,
    touchpoints.journey_order_id,
    touchpoints.touched_at,
    touchpoints.channel,
    touchpoints.provider,
    touchpoints.campaign_id,
    coalesce(campaign_names.campaign_name, touchpoints.campaign_id) as campaign_name,
    touchpoints.utm_source,
    touchpoints.utm_medium,
    touchpoints.landing_page_url,
    touchpoints.referrer_url,
    touchpoints.last_landed_at
from touchpoints
left join campaign_names
    on touchpoints.workspace_id = campaign_names.workspace_id
    and touchpoints.provider = campaign_names.provider
    and touchpoints.campaign_id = campaign_names.campaign_id
