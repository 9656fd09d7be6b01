{#- The (connection_id, day) keys a reporting mart rebuilds from `upstream` (int_ad_hourly for the
    hourly mart, the hourly mart for the daily one): those whose upstream rows carry a landing the
    mart does not hold yet — a (connection, day)'s rows share one landing, so these are whole
    days — and those with an empty capture landed since its mark, whose upstream rows are gone. -#}
{% macro ad_reporting_days_to_build(upstream, upstream_day_column) %}
    {{ ad_days_not_built(
        upstream,
        'built.landed_at = landed.landed_at',
        day_column=upstream_day_column,
        built_day_column='date_day',
    ) }}
    union
    {{ ad_days_emptied_since_last_build() }}
{% endmacro %}
