{#- Workspace days and attribution models where the attributed and unattributed revenue of the
    performance mart differ from the net sales (sale less returns so far, fct_sales) of the
    revenue orders placed that day (fct_orders). -#}
{% test attributed_revenue_reconciles(model) %}
    with credited as (
        select workspace_id, date_day, attribution_model,
            sum(attributed_revenue_workspace_currency) as revenue
        from {{ model }}
        group by workspace_id, date_day, attribution_model
    ),
    booked as (
        select orders.workspace_id, orders.order_date as date_day,
            sum(sales.net_sales_workspace_currency) as revenue
        from {{ ref('fct_orders') }} as orders
        inner join {{ ref('fct_sales') }} as sales on orders.order_id = sales.order_id
        where orders.counts_as_revenue
        group by orders.workspace_id, orders.order_date
    )
    select credited.*, booked.revenue as net_sales
    from credited
    full outer join booked
        on credited.workspace_id = booked.workspace_id
        and credited.date_day = booked.date_day
    where coalesce(credited.revenue, 0) <> coalesce(booked.revenue, 0)
{% endtest %}
