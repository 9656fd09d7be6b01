{#- The start of the UTC hour an instant (timestamptz) falls in, as a timestamptz. Truncated in UTC
    explicitly: date_trunc on a timestamptz would truncate in the session's timezone on
    PostgreSQL, which a half-hour offset would shift. -#}
{% macro utc_hour_start(instant) -%}
    ({{ dbt.date_trunc('hour', '(' ~ instant ~ ") at time zone 'UTC'") }} at time zone 'UTC')
{%- endmacro %}
