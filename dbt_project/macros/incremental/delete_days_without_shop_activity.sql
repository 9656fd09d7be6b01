{#- Rows of a per-day shop mart (`this`) for workspace days left with neither a sales event nor
    a revenue order: an incremental batch has no row for such a day to replace the old one
    with, so they go here (a post-hook; a no-op after a full build). Probes one day per row, so
    its cost follows the days kept, not the orders. -#}
{% macro delete_days_without_shop_activity(date_column) -%}
    delete from {{ this }} as kept_days
    where not exists (
        select 1
        from {{ ref('fct_sales') }} as sales
        where sales.workspace_id = kept_days.workspace_id
            and sales.sales_date = kept_days.{{ date_column }}
    )
    and not exists (
        select 1
        from {{ ref('fct_orders') }} as orders
        where orders.counts_as_revenue
            and orders.workspace_id = kept_days.workspace_id
            and orders.order_date = kept_days.{{ date_column }}
    )
{%- endmacro %}
