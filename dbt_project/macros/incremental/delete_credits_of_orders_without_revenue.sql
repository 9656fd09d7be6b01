{#- Credits of orders that no longer count as revenue (cancelled since they were credited): an
    incremental batch has no row left for such an order to replace its old ones with, so they
    go here (a post-hook of fct_attribution_credits; a no-op after a full build). -#}
{% macro delete_credits_of_orders_without_revenue() -%}
    delete from {{ this }}
    where order_id in (
        select order_id from {{ ref('fct_orders') }} where not counts_as_revenue
    )
{%- endmacro %}
