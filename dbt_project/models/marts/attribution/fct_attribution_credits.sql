{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
        post_hook=[
            "{{ delete_credits_of_orders_without_revenue() }}",
        ],
    )
}}
-- depends_on: {{ ref('stg_shopify__orders') }}
-- depends_on: {{ ref('int_workspace_settings') }}

{#- Each revenue order's credit per touchpoint under every attribution model. Within an order
    and model the touchpoints before the last keep their computed share and the last one takes
    what is left, so credits sum to 1 and attributed revenue to the order's net sales exactly
    (revenue rounded to 4 decimals like all money). Orders without a touchpoint get one
    unattributed row per model with credit 1. Incremental: the orders whose journey or revenue
    may have changed since the last build are credited again (see changed_orders), and every
    order of a workspace whose settings changed. -#}
{%- set half_life_days = var('attribution_half_life_days') %}
with

{% if is_incremental() %}

landed_events as (

    select workspace_id, client_id, event_name, order_id, customer_id, occurred_at
    from {{ ref('stg_shopify_pixel__events') }}
    where landed_at > {{ landing_mark('pixel_events_landing_margin_minutes') }}

),

-- Every checkout of the browsers with a newly landed event, with the customer behind it.
landed_clients_checkouts as (

    select
        checkouts.order_id,
        coalesce(checkout_orders.customer_id, checkouts.customer_id) as customer_id
    from {{ ref('stg_shopify_pixel__events') }} as checkouts
    inner join (select distinct workspace_id, client_id from landed_events) as landed_clients
        on checkouts.workspace_id = landed_clients.workspace_id
        and checkouts.client_id = landed_clients.client_id
    left join {{ ref('fct_orders') }} as checkout_orders
        on checkouts.order_id = checkout_orders.order_id
    where checkouts.event_name = 'checkout_completed'
        and checkouts.order_id is not null

),

-- A newly landed checkout stitches its browser to the customer's every order.
landed_checkouts as (

    select
        landed_events.order_id,
        coalesce(checkout_orders.customer_id, landed_events.customer_id) as customer_id
    from landed_events
    left join {{ ref('fct_orders') }} as checkout_orders
        on landed_events.order_id = checkout_orders.order_id
    where landed_events.event_name = 'checkout_completed'
        and landed_events.order_id is not null

),

-- The orders to credit again: those fct_orders may have changed (a version landed, or the
-- customer placed another order); those stitched to a browser with newly landed events and
-- placed after the earliest of them (a visit can only be added or renumbered from the event's
-- time on); every order of the customers a newly landed checkout belongs to; and every order
-- of the workspaces whose settings changed.
changed_orders as (

    select order_id from ({{ shop_orders_changed_since_last_build() }}) as shop_changed

    union

    select order_id
    from {{ ref('fct_orders') }}
    where {{ values_in('workspace_id', workspaces_with_changed_settings()) }}

    union

    select order_id
    from {{ ref('fct_orders') }}
    where created_at >= (select min(occurred_at) from landed_events)
        and (
            order_id in (select order_id from landed_clients_checkouts)
            or customer_id in (select customer_id from landed_clients_checkouts)
        )

    union

    select order_id
    from {{ ref('fct_orders') }}
    where order_id in (select order_id from landed_checkouts)
        or customer_id in (select customer_id from landed_checkouts)

),

{% endif %}

revenue_orders as (

    select
        workspace_id,
        order_id,
        customer_id,
        order_date,
        created_at,
        workspace_currency,
        last_landed_at,
        workspace_settings_fingerprint
    from {{ ref('fct_orders') }}
    where counts_as_revenue
    {% if is_incremental() %}
        and order_id in (select order_id from changed_orders)
    {% endif %}

),

-- What each order is worth: its net sales as Shopify's reports count them (its sale less its
-- returns so far), credited on the order's day.
order_net_sales as (

    select
        order_id,
        {{ cast_money('sum(net_sales_workspace_currency)') }} as net_sales_workspace_currency
    from {{ ref('fct_sales') }}
    where order_id in (select order_id from revenue_orders)
    group by order_id

),

orders as (

    select revenue_orders.*, order_net_sales.net_sales_workspace_currency
    from revenue_orders
    inner join order_net_sales on revenue_orders.order_id = order_net_sales.order_id

),

-- The journeys of `orders` (the macro int_order_touchpoints is a view of): every revenue order
-- in a full build, the orders credited again in an incremental one.
order_touchpoints as (

    with {{ order_touchpoints('orders', ref('fct_orders')) }}

),

touches as (

    select
        order_touchpoints.*,
        orders.order_date,
        orders.workspace_currency,
        orders.net_sales_workspace_currency,
        orders.last_landed_at as order_landed_at,
        orders.workspace_settings_fingerprint
    from order_touchpoints
    inner join orders
        on order_touchpoints.order_id = orders.order_id

),

weighted as (

    select
        *,
        coalesce(
            max(case when channel <> 'direct' then touch_position end)
                over (partition by order_id),
            touch_count
        ) as last_non_direct_position,
        {#- The newest landing behind the order's credits: its versions' or its visits' events. -#}
        greatest(
            order_landed_at, max(touchpoint_landed_at) over (partition by order_id)
        ) as last_landed_at,
        {#- 2^(−Δt / half-life), Δt in days before the order. -#}
        power(
            cast(2 as double precision),
            -extract(epoch from (order_created_at - touched_at))
                / cast({{ 86400 * half_life_days }} as double precision)
        ) as decay_weight
    from touches

),

shares as (

    select
        *,
        case when touch_position = 1 then 1 else 0 end as first_click,
        case when touch_position = touch_count then 1 else 0 end as last_click,
        case
            when touch_position = last_non_direct_position then 1 else 0
        end as last_non_direct_click,
        cast(1 as double precision) / touch_count as linear,
        case
            when touch_count = 1 then cast(1 as double precision)
            when touch_count = 2 then cast(0.5 as double precision)
            when touch_position = 1 or touch_position = touch_count
                then cast(0.4 as double precision)
            else cast(0.2 as double precision) / (touch_count - 2)
        end as position_based,
        decay_weight / sum(decay_weight) over (partition by order_id) as time_decay
    from weighted

),

model_shares as (

    {%- for attribution_model in attribution_models() %}
    select
        workspace_id,
        order_id,
        order_date,
        workspace_currency,
        net_sales_workspace_currency,
        touchpoint_id,
        touchpoint_source,
        touched_at,
        channel,
        provider,
        campaign_id,
        touch_position,
        touch_count,
        last_landed_at,
        workspace_settings_fingerprint,
        '{{ attribution_model }}' as attribution_model,
        {#- Fixed-point from here on: 15 decimals drop the binary noise of the shares above
            (0.1 is not a double), so the remainder below makes the sum exactly 1. -#}
        round(cast({{ attribution_model }} as numeric(38, 18)), 15) as share
    from shares
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

credited as (

    select
        *,
        cast(
            case
                when touch_position < touch_count then share
                else 1 - coalesce(sum(share) over (
                    partition by order_id, attribution_model
                    order by touch_position
                    rows between unbounded preceding and 1 preceding
                ), 0)
            end as numeric(38, 15)
        ) as credit,
        case
            when touch_position < touch_count
                then {{ cast_money('cast(net_sales_workspace_currency * share as numeric(28, 4))') }}
        end as rounded_revenue
    from model_shares

),

attributed as (

    select
        workspace_id,
        order_id,
        order_date,
        attribution_model,
        true as is_attributed,
        touchpoint_id,
        touchpoint_source,
        touched_at,
        channel,
        provider,
        campaign_id,
        cast(touch_position as bigint) as touch_position,
        cast(touch_count as bigint) as touch_count,
        credit,
        workspace_currency,
        net_sales_workspace_currency,
        {#- Cast as a whole: PostgreSQL drops the scale of a CASE whose branches differ in it
            (rounded_revenue's implicit null else), and the incremental builds compare types. -#}
        {{ cast_money(
            'case when touch_position < touch_count then rounded_revenue'
            ~ ' else net_sales_workspace_currency - coalesce(sum(rounded_revenue)'
            ~ ' over (partition by order_id, attribution_model), 0) end'
        ) }} as credited_revenue_workspace_currency,
        last_landed_at,
        workspace_settings_fingerprint
    from credited

),

unattributed as (

    {%- for attribution_model in attribution_models() %}
    select
        workspace_id,
        order_id,
        order_date,
        '{{ attribution_model }}' as attribution_model,
        false as is_attributed,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        cast(null as {{ dbt.type_string() }}) as touchpoint_source,
        cast(null as timestamptz) as touched_at,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as provider,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as bigint) as touch_position,
        cast(0 as bigint) as touch_count,
        cast(1 as numeric(38, 15)) as credit,
        workspace_currency,
        net_sales_workspace_currency,
        net_sales_workspace_currency as credited_revenue_workspace_currency,
        last_landed_at,
        workspace_settings_fingerprint
    from orders
    where order_id not in (select order_id from touches)
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from attributed
union all
select * from unattributed
order by workspace_id, order_date, order_id, attribution_model, touch_position
