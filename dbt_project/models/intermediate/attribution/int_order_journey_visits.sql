{#- The first and last visit of each order's customer journey as Shopify summarises it
    (customerJourneySummary), from the latest landed version in which the journey was ready:
    the fallback touchpoints of orders the pixel saw no visit for. A journey of one visit is
    one touchpoint. -#}
with ready_versions as (

    select
        *,
        row_number() over (
            partition by order_id
            order by captured_window_start desc, landed_at desc, updated_at desc
        ) as recency
    from {{ ref('stg_shopify__orders') }}
    where journey_ready

),

journeys as (

    select * from ready_versions where recency = 1

),

visits as (

    select
        workspace_id,
        shop_domain,
        order_id,
        'first' as journey_position,
        first_visit_visit_id as visit_id,
        first_visit_occurred_at as visited_at,
        lower(first_visit_utm_source) as utm_source,
        lower(first_visit_utm_medium) as utm_medium,
        first_visit_utm_campaign as utm_campaign,
        first_visit_landing_page as landing_page_url,
        first_visit_referrer_url as referrer_url
    from journeys
    where first_visit_visit_id is not null

    union all

    select
        workspace_id,
        shop_domain,
        order_id,
        'last' as journey_position,
        last_visit_visit_id as visit_id,
        last_visit_occurred_at as visited_at,
        lower(last_visit_utm_source) as utm_source,
        lower(last_visit_utm_medium) as utm_medium,
        last_visit_utm_campaign as utm_campaign,
        last_visit_landing_page as landing_page_url,
        last_visit_referrer_url as referrer_url
    from journeys
    where last_visit_visit_id is not null
        and last_visit_visit_id <> coalesce(first_visit_visit_id, '')

)

select
    workspace_id,
    order_id,
    journey_position,
    visit_id,
    visited_at,
    utm_source,
    utm_medium,
    utm_campaign,
    landing_page_url,
    referrer_url,
    {{ attribution_channel(
        "landing_page_url like '%fbclid=%'",
        "landing_page_url like '%gclid=%'",
        'utm_source',
        'utm_medium',
        'referrer_url',
        'shop_domain',
    ) }} as channel
from visits
