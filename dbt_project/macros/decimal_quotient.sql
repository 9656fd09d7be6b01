{#- numerator / denominator rounded half away from zero to `scale` decimals, in exact decimal
    arithmetic on both adapters; null when the denominator is 0. DuckDB divides DECIMALs in
    floating point (a DOUBLE quotient), so the quotient is taken on integers instead: both
    operands as whole units of 10^-operand_scale (the finest scale they carry), divided with
    truncation, the one spelling the adapters do not share (DuckDB's `//` on HUGEINT,
    PostgreSQL's div() on numeric). Operands must stay below 10^(38 - 2 × operand_scale). -#}
{% macro decimal_quotient(numerator, denominator, scale, operand_scale=6) -%}
    {%- set integer_type = 'numeric(38, 0)' if target.type == 'postgres' else 'hugeint' -%}
    {%- set unit = 10 ** operand_scale -%}
    {%- set numerator_units -%}
        cast(cast(abs({{ numerator }}) as numeric(38, {{ operand_scale }})) * {{ unit }} as {{ integer_type }})
    {%- endset -%}
    {%- set denominator_units -%}
        cast(cast(abs({{ denominator }}) as numeric(38, {{ operand_scale }})) * {{ unit }} as {{ integer_type }})
    {%- endset -%}
    {%- set dividend = '(2 * ' ~ numerator_units ~ ' * ' ~ (10 ** scale) ~ ' + ' ~ denominator_units ~ ')' -%}
    {%- set divisor = '(2 * ' ~ denominator_units ~ ')' -%}
    case
        when {{ denominator }} <> 0
            then case when ({{ numerator }} < 0) <> ({{ denominator }} < 0) then -1 else 1 end
                * cast(
                    {%- if target.type == 'postgres' %}
                    div({{ dividend }}, {{ divisor }})
                    {%- else %}
                    {{ dividend }} // {{ divisor }}
                    {%- endif %}
                    as numeric(38, 0)
                )
                * cast({{ '0.' ~ '0' * (scale - 1) ~ '1' if scale > 0 else '1' }} as numeric({{ scale + 1 }}, {{ scale }}))
    end
{%- endmacro %}
