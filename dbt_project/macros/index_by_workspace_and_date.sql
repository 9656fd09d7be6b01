{#- Merchants' queries filter one workspace and a date range. PostgreSQL needs a composite B-tree
    for that (measured ~2 ms vs ~500 ms); DuckDB relies on the rows being stored sorted instead
    (zone maps), which the models' ORDER BY and the serving copy provide.

    `include`: the columns the dashboard's metrics read (measures, their filters, the dimensions
    it groups by), carried in the index so PostgreSQL answers from it alone (an index-only scan,
    once autovacuum has marked the pages all-visible). Without them every row of a workspace is
    a heap page of its own, the rows of one 15-minute window being those of every workspace: at
    50 merchants a 30-day revenue read 7,000 pages in 49 ms, 70 in 3.7 ms from the index.
    tests/pipeline/test_dashboard_indexes.py fails when a dashboard query needs another column.

    A rebuilt table (a `table` model, an incremental one's first or full-refresh build) is new,
    without indexes, while the one it replaces still holds the index's name: dbt renames it
    aside and drops it only after the post-hooks. `create index if not exists` would then create
    nothing, and the index would go with the old table; so the old one's index is dropped first.
    An incremental build keeps its table and its index. -#}
{% macro index_by_workspace_and_date(date_column='report_date', include=[]) -%}
    {%- if target.type == 'postgres' -%}
        {%- set name = this.identifier ~ ('__workspace_date_covering' if include else '__workspace_date') -%}
        {%- if not is_incremental() -%}
        drop index if exists {{ this.schema }}."{{ name }}";
        {% endif -%}
        create index if not exists "{{ name }}"
        on {{ this }} (workspace_id, {{ date_column }})
        {%- if include %} include ({{ include | join(', ') }}){% endif %};
        {%- if include %}
        -- The narrower index this one replaces, on tables built before it.
        drop index if exists {{ this.schema }}."{{ this.identifier }}__workspace_date"
        {%- endif -%}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
