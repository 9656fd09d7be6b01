{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['workspace_id', 'order_date'],
        on_schema_change='fail',
        post_hook=[
            "{{ delete_days_without_revenue_orders('order_date') }}",
            "{{ index_by_workspace_and_date('order_date') }}",
        ],
    )
}}

-- Shop KPIs per workspace and shop-local day of order creation. Refunds count against the day
-- the order was placed, so a past day's net revenue falls as refunds arrive, as in Shopify's
-- "net sales by order date". Test and cancelled orders are left out. Incremental: the days of
-- the orders fct_orders may have changed since the last build are recomputed whole.
with

{% if is_incremental() %}
changed_days as (

    select distinct workspace_id, order_date
    from ({{ shop_orders_changed_since_last_build() }}) as changed_orders

),
{% endif %}

revenue_orders as (

    select orders.*
    from {{ ref('fct_orders') }} as orders
    {% if is_incremental() %}
    inner join changed_days
        on orders.workspace_id = changed_days.workspace_id
        and orders.order_date = changed_days.order_date
    {% endif %}
    where orders.counts_as_revenue

),

daily as (

    select
        workspace_id,
        order_date,
        max(workspace_currency) as workspace_currency,
        count(*) as orders,
        sum(gross_sales_workspace_currency) as gross_sales,
        sum(discounts_workspace_currency) as discounts,
        sum(shipping_workspace_currency) as shipping,
        sum(tax_workspace_currency) as tax,
        sum(refunds_workspace_currency) as refunds,
        sum(net_revenue_workspace_currency) as net_revenue,
        count(distinct case when is_new_customer then customer_id end) as new_customers,
        count(distinct case when not is_new_customer then customer_id end) as returning_customers,
        max(last_landed_at) as last_landed_at
    from revenue_orders
    group by workspace_id, order_date

)

-- Sums are cast back to the money type: DuckDB widens a DECIMAL sum to 38 digits, PostgreSQL
-- keeps an unbounded numeric.
select
    workspace_id,
    order_date,
    workspace_currency,
    cast(orders as bigint) as orders,
    {{ cast_money('gross_sales') }} as gross_sales,
    {{ cast_money('discounts') }} as discounts,
    {{ cast_money('shipping') }} as shipping,
    {{ cast_money('tax') }} as tax,
    {{ cast_money('refunds') }} as refunds,
    {{ cast_money('net_revenue') }} as net_revenue,
    cast(new_customers as bigint) as new_customers,
    cast(returning_customers as bigint) as returning_customers,
    last_landed_at
from daily
order by workspace_id, order_date
