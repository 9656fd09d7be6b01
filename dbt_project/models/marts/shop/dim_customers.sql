{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='fail',
    )
}}

-- One row per Shopify customer who placed an order metricx has loaded. Test orders (placed by
-- staff, without a customer) are not anyone's history. Incremental: the customers of the orders
-- fct_orders may have changed since the last build are recomputed from all their orders.
with customer_orders as (

    select * from {{ ref('fct_orders') }}
    where customer_id is not null and not is_test
    {% if is_incremental() %}
        and customer_id in (
            select customer_id
            from ({{ shop_orders_changed_since_last_build() }}) as changed_orders
        )
    {% endif %}

)

select
    customer_id,
    workspace_id,
    min(created_at) as first_order_at,
    min(customer_order_index) = 1 as first_order_loaded,
    cast(count(*) as bigint) as orders,
    cast(max(customer_order_index) as bigint) as lifetime_orders,
    {{ cast_money(
        'coalesce(sum(case when counts_as_revenue then net_revenue_workspace_currency end), 0)'
    ) }} as lifetime_net_revenue,
    max(last_landed_at) as last_landed_at
from customer_orders
group by customer_id, workspace_id
order by workspace_id, customer_id
