{#- The instant (timestamptz) an hour of a local day starts, from the day, the hour of day (0–23)
    and the IANA timezone they are in (columns or quoted literals), as the ad platforms report
    delivery. On the autumn DST day the platforms report the repeated hour once, holding both
    real hours; `at time zone` reads an ambiguous local time as the later one (standard time, on
    DuckDB and PostgreSQL alike), so the start is also taken as one hour after the hour before,
    and the earlier of the two kept: the repeated hour starts at its first occurrence, every
    other hour is unchanged. -#}
{% macro local_hour_start(day, hour_of_day, timezone) -%}
    {%- set local_start = dbt.dateadd('hour', hour_of_day, 'cast(' ~ day ~ ' as timestamp)') -%}
    {%- set local_hour_before = dbt.dateadd('hour', '-1', local_start) -%}
    least(
        ({{ local_start }}) at time zone {{ timezone }},
        {{ dbt.dateadd('hour', '1', '((' ~ local_hour_before ~ ') at time zone ' ~ timezone ~ ')') }}
    )
{%- endmacro %}
