{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where {{ orders_to_rebuild() }}{% endif %}",
        ],
        post_hook=["{{ index_by_workspace_and_date('order_date', 'order_date', ['counts_as_revenue', 'is_new_customer']) }}"],
    )
}}

-- One row per order, its latest version (see latest_order_versions, shared with
-- int_orders_latest); an order deleted on Shopify has none. Incremental: only orders with a
-- version landed since the last build (less a safety margin) are recomputed, together with the
-- other orders of their customers, whose position in the customer's history may move when an
-- order arrives late, moves to another customer or is deleted; and every order of the
-- workspaces whose settings changed (see orders_to_rebuild).
{%- if is_incremental() %}
{%- set rows_to_rebuild = orders_to_rebuild() %}
{%- endif %}

with

order_versions as (

    select *
    from {{ ref('stg_shopify__orders') }}
    {% if is_incremental() %}
    where {{ rows_to_rebuild }}
    {% endif %}

),

orders as (

    {{ latest_order_versions('order_versions') }}

),

-- Shopify's own index counts the customer's orders before this one, test orders left out. When
-- it is missing, the order's position among the customer's orders loaded so far stands in:
-- every order of an affected customer is in `orders`, whichever batch it landed in.
loaded_positions as (

    select
        order_id,
        row_number() over (
            partition by customer_id order by created_at, order_id
        ) as loaded_position
    from orders
    where customer_id is not null and not is_test

),

workspaces as (

    select
        workspace_id,
        currency as workspace_currency,
        timezone as workspace_timezone,
        settings_fingerprint as workspace_settings_fingerprint
    from {{ ref('int_workspace_settings') }}

),

localized as (

    select
        orders.*,
        workspaces.workspace_currency,
        workspaces.workspace_settings_fingerprint,
        {{ local_date('orders.created_at', 'workspaces.workspace_timezone') }} as order_date,
        orders.customer_order_index is not null as customer_order_index_from_shopify,
        case
            when orders.customer_id is null or orders.is_test then null
            else coalesce(orders.customer_order_index, loaded_positions.loaded_position)
        end as resolved_customer_order_index
    from orders
    inner join workspaces on orders.workspace_id = workspaces.workspace_id
    left join loaded_positions on orders.order_id = loaded_positions.order_id

),

in_workspace_currency as (

    select
        localized.*,
        fx.rate as fx_rate
    from localized
    left join {{ ref('int_fx_rates_daily') }} as fx
        on fx.rate_date = localized.order_date
        and fx.from_currency = localized.currency
        and fx.to_currency = localized.workspace_currency

)

select
    order_id,
    order_name,
    workspace_id,
    connection_id,
    shop_domain,
    created_at,
    order_date,
    updated_at,
    cancelled_at,
    is_test,
    cancelled_at is not null as is_cancelled,
    not is_test and cancelled_at is null as counts_as_revenue,
    financial_status,
    fulfillment_status,
    currency,
    taxes_included,
    {{ cast_money('subtotal + total_discounts') }} as gross_sales,
    {{ cast_money('total_discounts') }} as discounts,
    {{ cast_money('shipping') }} as shipping,
    {{ cast_money('tax') }} as tax,
    {{ cast_money('case when taxes_included then 0 else tax end') }} as added_tax,
    {{ cast_money('total') }} as order_total,
    {{ cast_money('total_refunded') }} as refunds,
    {{ cast_money('total - total_refunded') }} as net_revenue,
    workspace_currency,
    fx_rate,
    {{ cast_money('round((subtotal + total_discounts) * fx_rate, 4)') }}
        as gross_sales_workspace_currency,
    {{ cast_money('round(total_discounts * fx_rate, 4)') }} as discounts_workspace_currency,
    {{ cast_money('round(shipping * fx_rate, 4)') }} as shipping_workspace_currency,
    {{ cast_money('round(tax * fx_rate, 4)') }} as tax_workspace_currency,
    {{ cast_money('round(total_refunded * fx_rate, 4)') }} as refunds_workspace_currency,
    {{ cast_money('round((total - total_refunded) * fx_rate, 4)') }}
        as net_revenue_workspace_currency,
    customer_id,
    resolved_customer_order_index as customer_order_index,
    customer_order_index_from_shopify,
    coalesce(resolved_customer_order_index = 1, false) as is_new_customer,
    journey_ready,
    captured_window_start,
    last_landed_at,
    workspace_settings_fingerprint
from in_workspace_currency
order by workspace_id, order_date
