-- Every landed version of an order is the order as it stood when its window was read; the one
-- from the latest window supersedes the others (see the latest_order_versions macro).
with versions as (

    {{ latest_order_versions(ref('stg_shopify__orders')) }}

)

select
    workspace_id,
    connection_id,
    captured_window_start,
    landed_at,
    last_landed_at,
    shop_domain,
    order_id,
    order_name,
    created_at,
    updated_at,
    processed_at,
    cancelled_at,
    is_test,
    currency,
    taxes_included,
    financial_status,
    fulfillment_status,
    subtotal,
    total_discounts,
    shipping,
    tax,
    total,
    total_refunded,
    customer_id,
    customer_order_index,
    customer_orders_at_capture,
    journey_ready,
    refunds_json,
    line_items_json,
    line_items_complete
from versions
