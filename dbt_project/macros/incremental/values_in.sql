{#- Rows whose `column` is among the values `values_query` returns (one column). In a build the
    values are literals; no values, no rows. Beyond `max_literals` values (the hour after a
    backfill) the subquery stays, as it does in a unit test (see query_rows): the literals would
    make the statement megabytes long, and a read that large is a scan anyway. -#}
{% macro values_in(column, values_query, max_literals=10000) %}
    {%- set rows = query_rows(values_query) -%}
    {%- set values = [] if rows is none else rows | map('first') | reject('none') | unique | list -%}
    {%- if rows is none or values | length > max_literals -%}
        {{ column }} in ({{ values_query }})
    {%- elif not values -%}
        (1 = 0)
    {%- else -%}
        {{ column }} in (
            {%- for value in values -%}
                {{ sql_literal(value) }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- endif -%}
{% endmacro %}
