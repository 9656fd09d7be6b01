{#- The rows a shop mart's incremental build replaces, as a condition on `key_column` (order_id,
    customer_id) and workspace_id, the same on fct_orders, stg_shopify__orders and the mart: those
    of the orders fct_orders may have changed since the mart's last build and of their customers
    (shop_orders_changed_since_last_build), and every row of the workspaces whose settings
    changed. The mart reads its input through it, and its pre-hook first deletes `this`'s rows
    through it, so a customer or order left with nothing (moved away, deleted) loses its row. -#}
{% macro shop_rows_to_rebuild(key_column) %}
    ({{ key_column }} in (
        select {{ key_column }}
        from ({{ shop_orders_changed_since_last_build() }}) as changed_orders
    )
        or {{ values_in('workspace_id', workspaces_with_changed_settings()) }})
{% endmacro %}
