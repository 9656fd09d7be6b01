{#- The fct_orders rows that may have changed since `this` was last built: the orders with a
    version landed after its mark, and every other order of their customers, whose position in
    the customer's history (new or returning) fct_orders recomputes with them. fct_orders is
    built first, so it already holds this build's versions. -#}
{% macro shop_orders_changed_since_last_build() -%}
    {%- set mark = landing_mark() -%}
    select order_id, workspace_id, order_date, customer_id
    from {{ ref('fct_orders') }}
    where last_landed_at > {{ mark }}
        or customer_id in (
            select customer_id
            from {{ ref('fct_orders') }}
            where last_landed_at > {{ mark }}
                and customer_id is not null
        )
{%- endmacro %}
