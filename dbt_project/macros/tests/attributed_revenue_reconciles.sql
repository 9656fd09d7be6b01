{#- Workspace days and attribution models where the attributed and unattributed revenue of the
    performance mart differ from the day's net revenue in fct_orders (revenue orders only). -#}
{% test attributed_revenue_reconciles(model) %}
    with credited as (
        select workspace_id, date_day, attribution_model,
            sum(attributed_revenue_workspace_currency) as revenue
        from {{ model }}
        group by workspace_id, date_day, attribution_model
    ),
    booked as (
        select workspace_id, order_date as date_day,
            sum(net_revenue_workspace_currency) as revenue
        from {{ ref('fct_orders') }}
        where counts_as_revenue
        group by workspace_id, order_date
    )
    select credited.*, booked.revenue as net_revenue
    from credited
    full outer join booked
        on credited.workspace_id = booked.workspace_id
        and credited.date_day = booked.date_day
    where coalesce(credited.revenue, 0) <> coalesce(booked.revenue, 0)
{% endtest %}
