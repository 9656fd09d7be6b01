{#- Money columns of the marts in one type on both adapters, so sums and fixtures compare with the
    same scale (PostgreSQL's bare numeric would keep each expression's own scale). -#}
{% macro cast_money(expression) -%}
    cast({{ expression }} as {{ dbt.type_numeric() }})
{%- endmacro %}
