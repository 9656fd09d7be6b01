{#- The fct_orders rows that may have changed since `this` was last built: the orders with a
    version landed after its mark, and every other order of their customers, whose position in
    the customer's history (new or returning) fct_orders recomputes with them. fct_orders is
    built first, so it already holds this build's versions. -#}
{% macro shop_orders_changed_since_last_build() -%}
    select order_id, workspace_id, order_date, customer_id
    from {{ ref('fct_orders') }}
    where last_landed_at > {{ landing_mark() }}
        or customer_id in (
            select customer_id
            from {{ ref('fct_orders') }}
            where last_landed_at > {{ landing_mark() }}
                and customer_id is not null
        )
{%- endmacro %}

{#- Rows of a per-day mart (`this`) for workspace days left without a revenue order, their last
    ones cancelled since: an incremental batch has no row for such a day to replace the old one
    with, so they go here (a post-hook; a no-op after a full build). Probes one day per row, so
    its cost follows the days kept, not the orders. -#}
{% macro delete_days_without_revenue_orders(date_column) -%}
    delete from {{ this }} as kept_days
    where not exists (
        select 1
        from {{ ref('fct_orders') }} as orders
        where orders.counts_as_revenue
            and orders.workspace_id = kept_days.workspace_id
            and orders.order_date = kept_days.{{ date_column }}
    )
{%- endmacro %}
