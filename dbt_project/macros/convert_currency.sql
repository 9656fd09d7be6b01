{#- Money times an FX rate, rounded to the 4 decimals money is kept in. The widening cast comes
    first: DuckDB sizes a DECIMAL product by its widest operand and overflows otherwise. -#}
{% macro convert_currency(amount, rate) -%}
    round(cast({{ amount }} as numeric(38, 6)) * {{ rate }}, 4)
{%- endmacro %}
