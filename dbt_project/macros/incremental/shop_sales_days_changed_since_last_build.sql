{#- The (workspace_id, shop-local day) of every sales event the landed versions of the orders
    with a version landed since `this`'s mark had: their sale (processed), their returns
    (refunds) and their cancellation. fct_sales no longer holds the events of an order deleted
    since, nor the former ones of an order changed since; its earlier versions still tell
    which days they were on. -#}
{% macro shop_sales_days_changed_since_last_build() -%}
    select workspace_id, {{ local_date('occurred_at', 'timezone') }} as date_day
    from (
        with versions as (

            select versions.*, workspaces.timezone
            from {{ ref('stg_shopify__orders') }} as versions
            inner join {{ ref('int_workspace_settings') }} as workspaces
                on versions.workspace_id = workspaces.workspace_id
            where versions.order_id in (
                select order_id
                from {{ ref('stg_shopify__orders') }}
                where landed_at > {{ landing_mark() }}
            )

        )

        select workspace_id, timezone, processed_at as occurred_at from versions
        union all
        select workspace_id, timezone, cancelled_at from versions
        union all
        select
            versions.workspace_id,
            versions.timezone,
            cast(refund.value ->> 'created_at' as timestamptz)
        from versions
        {{ unnest_json_array('versions.refunds_json', 'refund') }}
    ) as sales_moments
    where occurred_at is not null
{%- endmacro %}
