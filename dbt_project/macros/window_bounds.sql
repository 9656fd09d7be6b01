{#- The UTC time range a run covers, from the vars Dagster passes for the partition range. -#}
{% macro window_start_ts() -%}
    cast('{{ var("window_start") }}' as timestamptz)
{%- endmacro %}

{% macro window_end_ts() -%}
    cast('{{ var("window_end") }}' as timestamptz)
{%- endmacro %}
