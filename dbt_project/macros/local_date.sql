{#- The calendar day a UTC instant falls on in an IANA timezone (a column or a quoted literal).
    `at time zone` on a timestamptz gives the local wall-clock time on DuckDB and PostgreSQL. -#}
{% macro local_date(timestamp_column, timezone) -%}
    cast(({{ timestamp_column }} at time zone {{ timezone }}) as date)
{%- endmacro %}
