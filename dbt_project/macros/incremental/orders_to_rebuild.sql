{#- The orders fct_orders' incremental build replaces, as a condition on order_id and workspace_id:
    those with a version landed since its mark (a tombstone included), every other order of the
    customers they belong to now or belonged to before (moved to another customer, anonymised,
    deleted: the customer's history, and so each order's place in it, changed), and every order
    of the workspaces whose settings changed. fct_orders reads the versions through it, and its
    pre-hook first deletes `this`'s rows through it, so an order deleted on Shopify leaves. -#}
{% macro orders_to_rebuild() %}
    {%- set affected_orders_query %}
        with landed_since_last_build as (

            select distinct order_id, customer_id
            from {{ ref('stg_shopify__orders') }}
            -- An empty table (the first builds before any shop landed) has no mark: read all.
            where landed_at > {{ landing_mark() }}

        ),

        customers as (

            select customer_id from landed_since_last_build where customer_id is not null
            union
            select customer_id
            from {{ this }}
            where order_id in (select order_id from landed_since_last_build)
                and customer_id is not null

        )

        select order_id from landed_since_last_build
        union
        select order_id
        from {{ this }}
        where customer_id in (select customer_id from customers)
    {%- endset -%}
    ({{ values_in('order_id', affected_orders_query) }}
        or {{ values_in('workspace_id', workspaces_with_changed_settings()) }})
{% endmacro %}
