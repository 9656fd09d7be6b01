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
        post_hook=["{{ index_by_workspace_and_date('refund_date') }}"],
    )
}}

-- One row per refund, on the day it was made (shop-local): the cash view, next to fct_orders'
-- order-date view where refunds reduce the day the order was placed. Refunds are read from the
-- latest version of each order, which lists every refund made so far; an order deleted on
-- Shopify has none. Incremental: the refunds of the orders fct_orders may have changed since the
-- last build are replaced, and every refund of a workspace whose settings changed.
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

    select * from {{ ref('fct_orders') }}

),

refunds as (

    select
        latest_versions.order_id,
        refund.value ->> 'id' as refund_id,
        cast(refund.value ->> 'created_at' as timestamptz) as refunded_at,
        {{ cast_money("refund.value ->> 'amount'") }} as amount
    from latest_versions
    {{ unnest_json_array('latest_versions.refunds_json', 'refund') }}

),

localized as (

    select
        refunds.*,
        orders.workspace_id,
        orders.connection_id,
        orders.order_date,
        orders.currency,
        orders.workspace_currency,
        orders.counts_as_revenue,
        orders.last_landed_at,
        {{ local_date('refunds.refunded_at', 'workspaces.timezone') }} as refund_date,
        workspaces.settings_fingerprint as workspace_settings_fingerprint
    from refunds
    inner join orders on refunds.order_id = orders.order_id
    inner join {{ ref('int_workspace_settings') }} as workspaces
        on orders.workspace_id = workspaces.workspace_id

)

select
    localized.refund_id,
    localized.order_id,
    localized.workspace_id,
    localized.connection_id,
    localized.refunded_at,
    localized.refund_date,
    localized.order_date,
    localized.counts_as_revenue,
    localized.currency,
    localized.amount,
    localized.workspace_currency,
    fx.rate as fx_rate,
    {{ cast_money('round(localized.amount * fx.rate, 4)') }} as amount_workspace_currency,
    localized.last_landed_at,
    localized.workspace_settings_fingerprint
from localized
left join {{ ref('int_fx_rates_daily') }} as fx
    on fx.rate_date = localized.refund_date
    and fx.from_currency = localized.currency
    and fx.to_currency = localized.workspace_currency
order by localized.workspace_id, localized.refund_date
