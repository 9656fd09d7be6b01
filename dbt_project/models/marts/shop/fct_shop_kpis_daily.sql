{{
    config(
        materialized='table',
        post_hook=["{{ index_by_workspace_and_date('order_date') }}"],
    )
}}

-- Shop KPIs per workspace and shop-local day of order creation. Refunds count against the day
-- the order was placed, so a past day's net revenue falls as refunds arrive, as in Shopify's
-- "net sales by order date". Test and cancelled orders are left out.
with revenue_orders as (

    select * from {{ ref('fct_orders') }}
    where counts_as_revenue

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
        count(distinct case when not is_new_customer then customer_id end) as returning_customers
    from revenue_orders
    group by workspace_id, order_date

)

select
    workspace_id,
    order_date,
    workspace_currency,
    orders,
    gross_sales,
    discounts,
    shipping,
    tax,
    refunds,
    net_revenue,
    -- DuckDB divides decimals in floating point; the cent-rounded quotient is cast back to the
    -- money type so the column stays decimal on both adapters.
    {{ cast_money('round(net_revenue / orders, 2)') }} as average_order_value,
    new_customers,
    returning_customers
from daily
order by workspace_id, order_date
