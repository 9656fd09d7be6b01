{#- The latest version of each order among `order_versions` (stg_shopify__orders rows): the one
    from the latest window, then the latest landing of it (a window landed twice), with
    `last_landed_at` over all the order's versions. An order whose latest version is a tombstone
    (deleted on Shopify) has none. One definition for int_orders_latest and for fct_orders'
    incremental builds, which apply it to the affected orders only: a window over the whole
    history would not be narrowed by their filter on PostgreSQL. -#}
{% macro latest_order_versions(order_versions) %}
    select *
    from (
        select
            *,
            row_number() over (
                partition by order_id
                order by captured_window_start desc, landed_at desc, updated_at desc
            ) as version_rank,
            max(landed_at) over (partition by order_id) as last_landed_at
        from {{ order_versions }}
    ) as ranked_versions
    where version_rank = 1 and deleted_at is null
{% endmacro %}
