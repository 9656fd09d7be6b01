{#- A value fetched by query_rows as a quoted SQL string literal; the column's type casts it. -#}
{% macro sql_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
