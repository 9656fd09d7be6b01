{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['workspace_id', 'date_day'],
        on_schema_change='fail',
        post_hook=[
            "{{ delete_days_without_shop_activity('date_day') }}",
            "{{ index_by_workspace_and_date('date_day') }}",
        ],
    )
}}
-- depends_on: {{ ref('stg_shopify__orders') }}
-- depends_on: {{ ref('int_workspace_settings') }}

-- Shop KPIs per workspace and shop-local day: the sales figures as Shopify's Sales report books
-- them (fct_sales: each order on the day it was processed, each return on the day of the
-- refund), and the orders placed that day with their new and returning customers (test and
-- cancelled orders left out). Incremental: the days of the orders fct_orders may have changed
-- since the last build, and the days of their sales events (those of their earlier versions
-- included: a deleted order's are gone from fct_sales), are recomputed whole, and every day of
-- a workspace whose settings changed; the post-hook drops the days left without activity.
with

{% if is_incremental() %}
{%- set workspaces_rebuilt = values_in('workspace_id', workspaces_with_changed_settings()) %}
changed_orders as (

    select * from ({{ shop_orders_changed_since_last_build() }}) as changed

),

changed_days as (

    select workspace_id, order_date as date_day from changed_orders
    union
    select workspace_id, sales_date
    from {{ ref('fct_sales') }}
    where order_id in (select order_id from changed_orders)
    union
    {{ shop_sales_days_changed_since_last_build() }}
    union
    select workspace_id, order_date
    from {{ ref('fct_orders') }}
    where {{ workspaces_rebuilt }}
    union
    select workspace_id, sales_date
    from {{ ref('fct_sales') }}
    where {{ workspaces_rebuilt }}

),
{% endif %}

activity as (

    select
        sales.workspace_id,
        sales.sales_date as date_day,
        sales.workspace_currency,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as boolean) as is_new_customer,
        sales.gross_sales_workspace_currency as gross_sales,
        sales.discounts_workspace_currency as discounts,
        sales.returns_workspace_currency as returns,
        sales.net_sales_workspace_currency as net_sales,
        sales.shipping_workspace_currency as shipping,
        sales.taxes_workspace_currency as taxes,
        sales.total_sales_workspace_currency as total_sales,
        sales.last_landed_at,
        sales.workspace_settings_fingerprint
    from {{ ref('fct_sales') }} as sales
    {% if is_incremental() %}
    inner join changed_days
        on sales.workspace_id = changed_days.workspace_id
        and sales.sales_date = changed_days.date_day
    {% endif %}

    union all

    select
        orders.workspace_id,
        orders.order_date,
        orders.workspace_currency,
        orders.order_id,
        orders.customer_id,
        orders.is_new_customer,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        orders.last_landed_at,
        orders.workspace_settings_fingerprint
    from {{ ref('fct_orders') }} as orders
    {% if is_incremental() %}
    inner join changed_days
        on orders.workspace_id = changed_days.workspace_id
        and orders.order_date = changed_days.date_day
    {% endif %}
    where orders.counts_as_revenue

),

daily as (

    select
        workspace_id,
        date_day,
        max(workspace_currency) as workspace_currency,
        count(order_id) as orders,
        count(distinct case when is_new_customer then customer_id end) as new_customers,
        count(distinct case when not is_new_customer then customer_id end) as returning_customers,
        sum(gross_sales) as gross_sales,
        sum(discounts) as discounts,
        sum(returns) as returns,
        sum(net_sales) as net_sales,
        sum(shipping) as shipping,
        sum(taxes) as taxes,
        sum(total_sales) as total_sales,
        max(last_landed_at) as last_landed_at,
        max(workspace_settings_fingerprint) as workspace_settings_fingerprint
    from activity
    group by workspace_id, date_day

)

-- Sums are cast back to the money type: DuckDB widens a DECIMAL sum to 38 digits, PostgreSQL
-- keeps an unbounded numeric.
select
    workspace_id,
    date_day,
    workspace_currency,
    cast(orders as bigint) as orders,
    cast(new_customers as bigint) as new_customers,
    cast(returning_customers as bigint) as returning_customers,
    {{ cast_money('gross_sales') }} as gross_sales,
    {{ cast_money('discounts') }} as discounts,
    {{ cast_money('returns') }} as returns,
    {{ cast_money('net_sales') }} as net_sales,
    {{ cast_money('shipping') }} as shipping,
    {{ cast_money('taxes') }} as taxes,
    {{ cast_money('total_sales') }} as total_sales,
    last_landed_at,
    workspace_settings_fingerprint
from daily
order by workspace_id, date_day
