{#- The newest landing `this` holds in `column`, less the margin var `margin_var` (minutes), so a
    slice stamped before the last build but committed after it is still picked up. Each model
    reads its own table, so a model skipped by a failed build catches up on the next one; an
    empty table (the first builds before anything landed) reads everything (the epoch).
    A timestamptz literal in a build, the same query as a scalar subquery in a unit test (see
    query_rows). -#}
{% macro landing_mark(margin_var='shop_orders_landing_margin_minutes', column='last_landed_at') -%}
    {%- set epoch = "cast('1970-01-01 00:00:00+00' as timestamptz)" -%}
    {%- set mark_query -%}
        select {{ dbt.dateadd('minute', -(var(margin_var) | int), 'max(' ~ column ~ ')') }} from {{ this }}
    {%- endset -%}
    {%- set rows = query_rows('select cast((' ~ mark_query ~ ') as ' ~ dbt.type_string() ~ ')') -%}
    {%- if rows is none -%}
        coalesce(({{ mark_query }}), {{ epoch }})
    {%- elif rows and rows[0][0] is not none -%}
        cast('{{ rows[0][0] }}' as timestamptz)
    {%- else -%}
        {{ epoch }}
    {%- endif -%}
{%- endmacro %}
