{#- Each revenue order's credit per touchpoint under every attribution model. Within an order
    and model the touchpoints before the last keep their computed share and the last one takes
    what is left, so credits sum to 1 and attributed revenue to the order's net revenue exactly
    (revenue rounded to 4 decimals like all money). Orders without a touchpoint get one
    unattributed row per model with credit 1. -#}
{%- set half_life_days = var('attribution_half_life_days') %}
with orders as (

    select
        workspace_id,
        order_id,
        order_date,
        created_at,
        workspace_currency,
        net_revenue_workspace_currency
    from {{ ref('fct_orders') }}
    where counts_as_revenue

),

touches as (

    select
        order_touchpoints.*,
        orders.order_date,
        orders.workspace_currency,
        orders.net_revenue_workspace_currency
    from {{ ref('int_order_touchpoints') }} as order_touchpoints
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
        net_revenue_workspace_currency,
        touchpoint_id,
        touchpoint_source,
        touched_at,
        channel,
        provider,
        campaign_id,
        campaign_name,
        touch_position,
        touch_count,
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
                then {{ cast_money('cast(net_revenue_workspace_currency * share as numeric(28, 4))') }}
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
        campaign_name,
        touch_position,
        touch_count,
        credit,
        workspace_currency,
        net_revenue_workspace_currency,
        case
            when touch_position < touch_count then rounded_revenue
            else {{ cast_money('net_revenue_workspace_currency - coalesce(sum(rounded_revenue) over (partition by order_id, attribution_model), 0)') }}
        end as credited_revenue_workspace_currency
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
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as integer) as touch_position,
        0 as touch_count,
        cast(1 as numeric(38, 15)) as credit,
        workspace_currency,
        net_revenue_workspace_currency,
        net_revenue_workspace_currency as credited_revenue_workspace_currency
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
