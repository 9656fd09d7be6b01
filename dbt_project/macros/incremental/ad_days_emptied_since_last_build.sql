{#- The (connection_id, day) keys with an empty capture (int_ad_empty_captures) landed since the
    ads model's mark (`this`'s newest landing less var ads_landing_margin_minutes): when it is
    the day's latest capture, the day's rows go; otherwise rebuilding the day changes nothing. -#}
{% macro ad_days_emptied_since_last_build() %}
    select connection_id, report_date
    from {{ ref('int_ad_empty_captures') }}
    where landed_at > {{ landing_mark('ads_landing_margin_minutes', 'landed_at') }}
{% endmacro %}
