{#- A FROM-clause join giving one row per element of a JSON array held in a text column, the
    element as `<alias>.value`; read its fields with `<alias>.value ->> 'field'` on both adapters.
    An adapter branch because neither spelling exists on the other: PostgreSQL unnests jsonb
    with a lateral set-returning function, DuckDB unnests a JSON[] list. -#}
{% macro unnest_json_array(column, alias) -%}
    {%- if target.type == 'postgres' -%}
        cross join lateral jsonb_array_elements(cast({{ column }} as jsonb)) as {{ alias }} (value)
    {%- else -%}
        cross join unnest(cast(cast({{ column }} as json) as json[])) as {{ alias }} (value)
    {%- endif -%}
{%- endmacro %}
