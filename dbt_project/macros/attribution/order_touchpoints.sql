{#- The journeys of the orders in `orders` (workspace_id, order_id, customer_id, created_at):
    each order's touchpoints within `attribution_lookback_days` before it, numbered in time
    order, as the CTEs of a query (call it after `with`). A journey is stitched across
    browsers: the client ids whose checkout completed the order, and every client id that
    completed a checkout of the same Shopify customer (`order_customers` gives the customer of
    any checkout's order). An order none of whose browsers had a pixel session in the lookback
    falls back to Shopify's journey summary (its first and last visit). One definition for
    int_order_touchpoints (every revenue order, for analysts) and for fct_attribution_credits,
    which passes the orders it credits: all of them in a full build, those whose journey may
    have changed in an incremental one. -#}
{% macro order_touchpoints(orders, order_customers) %}
checkouts as (

    select distinct
        checkout_events.workspace_id,
        checkout_events.client_id,
        checkout_events.order_id,
        coalesce(checkout_orders.customer_id, checkout_events.customer_id) as customer_id
    from {{ ref('stg_shopify_pixel__events') }} as checkout_events
    left join {{ order_customers }} as checkout_orders
        on checkout_events.order_id = checkout_orders.order_id
    where checkout_events.event_name = 'checkout_completed'
        and checkout_events.order_id is not null

),

order_clients as (

    select orders.order_id, checkouts.workspace_id, checkouts.client_id
    from {{ orders }} as orders
    inner join checkouts
        on orders.workspace_id = checkouts.workspace_id
        and orders.order_id = checkouts.order_id

    union

    select orders.order_id, checkouts.workspace_id, checkouts.client_id
    from {{ orders }} as orders
    inner join checkouts
        on orders.workspace_id = checkouts.workspace_id
        and orders.customer_id = checkouts.customer_id

),

touchpoints as (

    select * from {{ ref('int_touchpoints') }}

),

session_touches as (

    select orders.*, touchpoints.touchpoint_id
    from {{ orders }} as orders
    inner join order_clients
        on orders.order_id = order_clients.order_id
    inner join touchpoints
        on order_clients.workspace_id = touchpoints.workspace_id
        and order_clients.client_id = touchpoints.client_id
    where touchpoints.touchpoint_source = 'pixel_session'
        and touchpoints.touched_at <= orders.created_at
        and touchpoints.touched_at >= {{ dbt.dateadd(
            'day', -var('attribution_lookback_days'), 'orders.created_at'
        ) }}

),

journey_touches as (

    select orders.*, touchpoints.touchpoint_id
    from {{ orders }} as orders
    inner join touchpoints
        on orders.workspace_id = touchpoints.workspace_id
        and orders.order_id = touchpoints.journey_order_id
    where touchpoints.touched_at <= orders.created_at
        and touchpoints.touched_at >= {{ dbt.dateadd(
            'day', -var('attribution_lookback_days'), 'orders.created_at'
        ) }}
        and orders.order_id not in (select order_id from session_touches)

),

order_touches as (

    select * from session_touches
    union all
    select * from journey_touches

)

select
    order_touches.workspace_id,
    order_touches.order_id,
    order_touches.created_at as order_created_at,
    touchpoints.touchpoint_id,
    touchpoints.touchpoint_source,
    touchpoints.touched_at,
    touchpoints.channel,
    touchpoints.provider,
    touchpoints.campaign_id,
    touchpoints.campaign_name,
    touchpoints.last_landed_at as touchpoint_landed_at,
    row_number() over (
        partition by order_touches.order_id
        order by touchpoints.touched_at, touchpoints.touchpoint_id
    ) as touch_position,
    count(*) over (partition by order_touches.order_id) as touch_count
from order_touches
inner join touchpoints
    on order_touches.touchpoint_id = touchpoints.touchpoint_id
{% endmacro %}
