{#- Each revenue order's journey (see the order_touchpoints macro). -#}
with orders as (

    select workspace_id, order_id, customer_id, created_at
    from {{ ref('int_orders_latest') }}
    where not is_test and cancelled_at is null

),

{{ order_touchpoints('orders', ref('int_orders_latest')) }}
