{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }}
            where {{ shop_rows_to_rebuild('order_id') }}{% endif %}",
        ],
        post_hook=["{{ index_by_workspace_and_date('sales_date', 'sales_date', ['net_sales_workspace_currency', 'occurred_at']) }}"],
    )
}}

{#- The shop's sales as Shopify's Sales reports book them: one row per sales event, each on the
    shop-local day it happened. An order is a sale when it was processed; each refund a return
    when it was made; a cancellation a return, when it happened, of what the order had left.
    Test orders are in no report, nor is an order deleted on Shopify. Every figure is Shopify's
    (see the yml). Incremental: the events of the orders fct_orders may have changed since the
    last build are recomputed from their latest versions, which list every refund so far (a
    deleted order's go), and every event of a workspace whose settings changed. -#}
with

order_versions as (

    select *
    from {{ ref('stg_shopify__orders') }}
    {% if is_incremental() %}
    where {{ shop_rows_to_rebuild('order_id') }}
    {% endif %}

),

latest_versions as (

    {{ latest_order_versions('order_versions') }}

),

orders as (

    select
        latest_versions.order_id,
        latest_versions.processed_at,
        latest_versions.cancelled_at,
        latest_versions.taxes_included,
        latest_versions.subtotal,
        latest_versions.total_discounts,
        latest_versions.shipping,
        -- Versions landed before metricx read the shipping line's tax have none: taken as 0,
        -- which only matters where prices include tax (flagged by breakdown_complete).
        coalesce(latest_versions.shipping_tax, 0) as shipping_tax,
        latest_versions.shipping_tax is not null
            or not latest_versions.taxes_included as shipping_tax_known,
        latest_versions.tax,
        latest_versions.refunds_json
    from latest_versions
    where not latest_versions.is_test

),

-- Shopify's sales reports leave tax out of every figure but taxes, also when the shop's prices
-- include it: there the goods' tax (the order's tax less the shipping line's) comes off net
-- sales, and the tax-inclusive gross sales are scaled by the same net-of-tax share.
sale_events as (

    select
        order_id,
        'sale' as event_type,
        cast(null as {{ dbt.type_string() }}) as refund_id,
        processed_at as occurred_at,
        shipping_tax_known as breakdown_complete,
        case
            when taxes_included then subtotal - (tax - shipping_tax) else subtotal
        end as net_sales,
        subtotal + total_discounts as gross_incl,
        subtotal,
        taxes_included,
        case when taxes_included then shipping - shipping_tax else shipping end as shipping,
        tax as taxes
    from orders

),

refunds as (

    select
        orders.order_id,
        orders.taxes_included,
        refund.value ->> 'id' as refund_id,
        cast(refund.value ->> 'created_at' as timestamptz) as refunded_at,
        refund.value ->> 'line_items' as line_items_json,
        refund.value ->> 'shipping_lines' as shipping_lines_json,
        coalesce(cast(refund.value ->> 'lines_complete' as boolean), false) as breakdown_complete
    from orders
    {{ unnest_json_array('orders.refunds_json', 'refund') }}

),

refunded_goods as (

    select
        refunds.refund_id,
        sum(cast(line.value ->> 'subtotal' as {{ dbt.type_numeric() }})) as subtotal,
        sum(cast(line.value ->> 'tax' as {{ dbt.type_numeric() }})) as tax
    from refunds
    {{ unnest_json_array('refunds.line_items_json', 'line') }}
    group by refunds.refund_id

),

refunded_shipping as (

    select
        refunds.refund_id,
        sum(cast(line.value ->> 'subtotal' as {{ dbt.type_numeric() }})) as subtotal,
        sum(cast(line.value ->> 'tax' as {{ dbt.type_numeric() }})) as tax
    from refunds
    {{ unnest_json_array('refunds.shipping_lines_json', 'line') }}
    group by refunds.refund_id

),

-- A return is the goods given back at what they sold for after discounts; the shipping and
-- taxes a refund gives back are negative shipping and taxes, never returns.
return_events as (

    select
        refunds.order_id,
        'return' as event_type,
        refunds.refund_id,
        refunds.refunded_at,
        refunds.breakdown_complete,
        coalesce(goods.subtotal, 0)
            - case when refunds.taxes_included then coalesce(goods.tax, 0) else 0 end as returns,
        -(
            coalesce(shipping.subtotal, 0)
            - case when refunds.taxes_included then coalesce(shipping.tax, 0) else 0 end
        ) as shipping,
        -(coalesce(goods.tax, 0) + coalesce(shipping.tax, 0)) as taxes
    from refunds
    left join refunded_goods as goods on refunds.refund_id = goods.refund_id
    left join refunded_shipping as shipping on refunds.refund_id = shipping.refund_id

),

-- A cancellation returns what the order had left after its sale and returns: it nets to zero.
cancellation_events as (

    select
        orders.order_id,
        'cancellation' as event_type,
        orders.cancelled_at,
        sale_events.net_sales - coalesce(returned.returns, 0) as returns,
        -(sale_events.shipping + coalesce(returned.shipping, 0)) as shipping,
        -(sale_events.taxes + coalesce(returned.taxes, 0)) as taxes
    from orders
    inner join sale_events on orders.order_id = sale_events.order_id
    left join (
        select order_id, sum(returns) as returns, sum(shipping) as shipping, sum(taxes) as taxes
        from return_events
        group by order_id
    ) as returned on orders.order_id = returned.order_id
    where orders.cancelled_at is not null

),

events as (

    select
        order_id,
        event_type,
        refund_id,
        occurred_at,
        breakdown_complete,
        gross_sales,
        gross_sales - net_sales as discounts,
        cast(0 as {{ dbt.type_numeric() }}) as returns,
        shipping,
        taxes
    from (
        select
            *,
            -- Nothing left after discounts: no share to scale by.
            case
                when taxes_included and subtotal <> 0
                    then {{ money_scaled('gross_incl', 'net_sales', 'subtotal') }}
                else gross_incl
            end as gross_sales
        from sale_events
    ) as sales

    union all

    select
        order_id,
        event_type,
        refund_id,
        refunded_at,
        breakdown_complete,
        0,
        0,
        returns,
        shipping,
        taxes
    from return_events

    union all

    select
        order_id,
        event_type,
        cast(null as {{ dbt.type_string() }}),
        cancelled_at,
        true,
        0,
        0,
        returns,
        shipping,
        taxes
    from cancellation_events

),

localized as (

    select
        events.*,
        shop_orders.workspace_id,
        shop_orders.connection_id,
        shop_orders.order_date,
        shop_orders.currency,
        shop_orders.customer_id,
        shop_orders.is_new_customer,
        shop_orders.workspace_currency,
        shop_orders.last_landed_at,
        {{ local_date('events.occurred_at', 'workspaces.timezone') }} as sales_date,
        workspaces.settings_fingerprint as workspace_settings_fingerprint
    from events
    inner join {{ ref('fct_orders') }} as shop_orders on events.order_id = shop_orders.order_id
    inner join {{ ref('int_workspace_settings') }} as workspaces
        on shop_orders.workspace_id = workspaces.workspace_id

),

-- Each figure in the workspace currency at its own day's rate, rounded to 4 decimals; net and
-- total sales are derived from the converted figures, so the identities hold in both currencies.
converted as (

    select
        localized.*,
        fx.rate as fx_rate,
        round(localized.gross_sales * fx.rate, 4) as gross_sales_workspace_currency,
        round(localized.discounts * fx.rate, 4) as discounts_workspace_currency,
        round(localized.returns * fx.rate, 4) as returns_workspace_currency,
        round(localized.shipping * fx.rate, 4) as shipping_workspace_currency,
        round(localized.taxes * fx.rate, 4) as taxes_workspace_currency
    from localized
    left join {{ ref('int_fx_rates_daily') }} as fx
        on fx.rate_date = localized.sales_date
        and fx.from_currency = localized.currency
        and fx.to_currency = localized.workspace_currency

)

select
    event_type || ':' || coalesce(refund_id, order_id) as sales_event_id,
    event_type,
    order_id,
    refund_id,
    workspace_id,
    connection_id,
    occurred_at,
    sales_date,
    order_date,
    customer_id,
    is_new_customer,
    breakdown_complete,
    currency,
    {{ cast_money('gross_sales') }} as gross_sales,
    {{ cast_money('discounts') }} as discounts,
    {{ cast_money('returns') }} as returns,
    {{ cast_money('gross_sales - discounts - returns') }} as net_sales,
    {{ cast_money('shipping') }} as shipping,
    {{ cast_money('taxes') }} as taxes,
    {{ cast_money('gross_sales - discounts - returns + shipping + taxes') }} as total_sales,
    workspace_currency,
    fx_rate,
    {{ cast_money('gross_sales_workspace_currency') }} as gross_sales_workspace_currency,
    {{ cast_money('discounts_workspace_currency') }} as discounts_workspace_currency,
    {{ cast_money('returns_workspace_currency') }} as returns_workspace_currency,
    {{ cast_money(
        'gross_sales_workspace_currency - discounts_workspace_currency'
        ~ ' - returns_workspace_currency'
    ) }} as net_sales_workspace_currency,
    {{ cast_money('shipping_workspace_currency') }} as shipping_workspace_currency,
    {{ cast_money('taxes_workspace_currency') }} as taxes_workspace_currency,
    {{ cast_money(
        'gross_sales_workspace_currency - discounts_workspace_currency'
        ~ ' - returns_workspace_currency + shipping_workspace_currency'
        ~ ' + taxes_workspace_currency'
    ) }} as total_sales_workspace_currency,
    last_landed_at,
    workspace_settings_fingerprint
from converted
order by workspace_id, sales_date, occurred_at, sales_event_id
