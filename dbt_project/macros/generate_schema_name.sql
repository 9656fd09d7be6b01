{#- Layers land in schemas named after them (staging, marts) on every target, so analysts and the
    API find `marts.fct_…` at the same address on DuckDB and PostgreSQL. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
