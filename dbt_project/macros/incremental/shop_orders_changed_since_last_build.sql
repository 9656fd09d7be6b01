{#- The orders whose fct_orders rows may have changed since `this` was last built, as
    (order_id, workspace_id, order_date, customer_id): the orders with a version landed after its
    mark as fct_orders holds them now, and as their earlier landed versions had them (the
    customer an order moved away from, or was anonymised or deleted under, and a deleted order's
    day, which fct_orders no longer names); and every other order of all those customers, whose
    place in the customer's history (new or returning) fct_orders recomputes with them.
    fct_orders is built first, so it already holds this build's versions. -#}
{% macro shop_orders_changed_since_last_build() -%}
    {%- set mark = landing_mark() -%}
    with touched_orders as (

        select order_id, workspace_id, order_date, customer_id
        from {{ ref('fct_orders') }}
        where last_landed_at > {{ mark }}

        union

        select
            versions.order_id,
            versions.workspace_id,
            {{ local_date('versions.created_at', 'workspaces.timezone') }} as order_date,
            versions.customer_id
        from {{ ref('stg_shopify__orders') }} as versions
        inner join {{ ref('int_workspace_settings') }} as workspaces
            on versions.workspace_id = workspaces.workspace_id
        where versions.created_at is not null
            and versions.order_id in (
                select order_id from {{ ref('stg_shopify__orders') }} where landed_at > {{ mark }}
            )

    )

    select * from touched_orders
    union
    select order_id, workspace_id, order_date, customer_id
    from {{ ref('fct_orders') }}
    where customer_id in (
        select customer_id from touched_orders where customer_id is not null
    )
{%- endmacro %}
