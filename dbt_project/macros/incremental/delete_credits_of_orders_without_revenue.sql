{#- Credits of orders that no longer count as revenue (cancelled since they were credited) or are
    gone from fct_orders (deleted on Shopify): an incremental batch has no row left for such an
    order to replace its old ones with, so they go here (a post-hook of fct_attribution_credits;
    a no-op after a full build). An anti-join, not `not in`: PostgreSQL probes a `not in` list
    row by row once it outgrows work_mem. -#}
{% macro delete_credits_of_orders_without_revenue() -%}
    delete from {{ this }} as credits
    where not exists (
        select 1
        from {{ ref('fct_orders') }} as orders
        where orders.order_id = credits.order_id
            and orders.counts_as_revenue
    )
{%- endmacro %}
