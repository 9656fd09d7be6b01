{{
    config(
        materialized='table',
    )
}}

-- One row per Shopify customer who placed an order metricx has loaded. Test orders (placed by
-- staff, without a customer) are not anyone's history.
with customer_orders as (

    select * from {{ ref('fct_orders') }}
    where customer_id is not null and not is_test

)

select
    customer_id,
    workspace_id,
    min(created_at) as first_order_at,
    min(customer_order_index) = 1 as first_order_loaded,
    count(*) as orders,
    max(customer_order_index) as lifetime_orders,
    coalesce(
        sum(case when counts_as_revenue then net_revenue_workspace_currency end), 0
    ) as lifetime_net_revenue
from customer_orders
group by customer_id, workspace_id
order by workspace_id, customer_id
