{#- `amount` × `part` / `whole` rounded half up to the cent, exactly: integer cents throughout
    (for money amounts, `whole` > 0). A division of decimals is a double on DuckDB, whose
    rounding could tip a half cent the other way, so the quotient is an integer division; an
    adapter branch because the spelling differs (DuckDB `//`, PostgreSQL `div`). -#}
{% macro money_scaled(amount, part, whole) -%}
    {%- set whole_cents = 'cast(round((' ~ whole ~ ') * 100) as bigint)' -%}
    {%- set numerator -%}
        2 * cast(round(({{ amount }}) * 100) as bigint) * cast(round(({{ part }}) * 100) as bigint)
            + {{ whole_cents }}
    {%- endset -%}
    {%- set denominator = '2 * ' ~ whole_cents -%}
    {%- if target.type == 'postgres' -%}
        cast(div({{ numerator }}, {{ denominator }}) as {{ dbt.type_numeric() }}) * 0.01
    {%- else -%}
        cast(({{ numerator }}) // ({{ denominator }}) as {{ dbt.type_numeric() }}) * 0.01
    {%- endif -%}
{%- endmacro %}
