{#- Metric snapshots: per entity and day, the deltas sum to the latest day-to-date value, at any
    compaction grain — what makes folding captures lossless for day totals. -#}
{% test deltas_add_up_to_day_to_date(model) %}
    {%- set metrics = ['spend', 'impressions', 'clicks', 'conversions', 'conversion_value'] %}
    with latest as (
        select
            *,
            row_number() over (
                partition by connection_id, ad_entity_id, report_date order by window_start desc
            ) as recency
        from {{ model }}
    ),
    summed as (
        select
            connection_id,
            ad_entity_id,
            report_date,
            {%- for metric in metrics %}
            sum({{ metric }}_delta) as {{ metric }}_deltas,
            {%- endfor %}
            sum(spend_delta_workspace_currency) as spend_workspace_currency_deltas
        from {{ model }}
        group by connection_id, ad_entity_id, report_date
    )
    select latest.*
    from latest
    inner join summed
        on latest.connection_id = summed.connection_id
        and latest.ad_entity_id = summed.ad_entity_id
        and latest.report_date = summed.report_date
    where latest.recency = 1
        and (
            {%- for metric in metrics %}
            summed.{{ metric }}_deltas <> latest.{{ metric }}_day_to_date or
            {%- endfor %}
            summed.spend_workspace_currency_deltas <> latest.spend_day_to_date_workspace_currency
        )
{% endtest %}
