{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }}
            where {{ shop_rows_to_rebuild('customer_id') }}{% endif %}",
        ],
    )
}}
-- depends_on: {{ ref('stg_shopify__orders') }}
-- depends_on: {{ ref('int_workspace_settings') }}

-- One row per Shopify customer who placed an order metricx has loaded. Test orders (placed by
-- staff, without a customer) are not anyone's history. Incremental: the customers of the orders
-- fct_orders may have changed since the last build, the ones they belonged to before included,
-- are recomputed from all their orders (a customer left without any, their orders moved away,
-- deleted or anonymised, loses the row); so is every customer of a workspace whose settings
-- changed.
{%- if is_incremental() %}
{%- set rows_to_rebuild = shop_rows_to_rebuild('customer_id') %}
{%- endif %}

with

customer_orders as (

    select * from {{ ref('fct_orders') }}
    where customer_id is not null and not is_test
    {% if is_incremental() %}
        and {{ rows_to_rebuild }}
    {% endif %}

),

-- Net sales as Shopify's reports count them: each order's sale less its returns so far.
customer_sales as (

    select customer_id, sum(net_sales_workspace_currency) as net_sales
    from {{ ref('fct_sales') }}
    where customer_id is not null
    {% if is_incremental() %}
        and {{ rows_to_rebuild }}
    {% endif %}
    group by customer_id

),

customers as (

    select
        customer_id,
        workspace_id,
        min(created_at) as first_order_at,
        min(customer_order_index) = 1 as first_order_loaded,
        cast(count(*) as bigint) as orders,
        cast(max(customer_order_index) as bigint) as lifetime_orders,
        max(last_landed_at) as last_landed_at,
        workspace_settings_fingerprint
    from customer_orders
    group by customer_id, workspace_id, workspace_settings_fingerprint

)

select
    customers.customer_id,
    customers.workspace_id,
    customers.first_order_at,
    customers.first_order_loaded,
    customers.orders,
    customers.lifetime_orders,
    {{ cast_money('coalesce(customer_sales.net_sales, 0)') }} as lifetime_net_sales,
    customers.last_landed_at,
    customers.workspace_settings_fingerprint
from customers
left join customer_sales on customers.customer_id = customer_sales.customer_id
order by customers.workspace_id, customers.customer_id
