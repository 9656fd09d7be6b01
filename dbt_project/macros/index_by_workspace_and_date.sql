{#- Merchants' queries filter one workspace and a date range. PostgreSQL needs a composite B-tree
    for that (measured ~2 ms vs ~500 ms); DuckDB relies on the rows being stored sorted instead
    (zone maps), which the models' ORDER BY and the serving copy provide.

    `semantic_day` and `include`, for the marts the dashboard reads through the semantic layer:
    a second index keyed on the day as MetricFlow filters it, `date_trunc('day', <time
    dimension>::timestamp)` (the semantic models cast their day to a timestamp, as date_trunc of
    a date is not immutable on PostgreSQL and cannot be indexed). On the plain column the day
    range is no index condition, so every query read all of the workspace's entries (3 ms a
    scan, 40 ms for the KPIs at 50 merchants × 90 days). `include` carries the columns the
    dashboard's metrics read (measures, their filters, the dimensions it groups by), so
    PostgreSQL answers from the index alone (an index-only scan, once autovacuum has marked the
    pages all-visible): without them every row of a workspace is a heap page of its own.
    tests/pipeline/test_dashboard_indexes.py fails when a dashboard query reads another column
    or does not bound its index scan by the day. The first index stays for the pipeline's and
    analysts' predicates on the column itself.

    A rebuilt table (a `table` model, an incremental one's first or full-refresh build) is new,
    without indexes, while the one it replaces still holds the indexes' names: dbt renames it
    aside and drops it only after the post-hooks. `create index if not exists` would then create
    nothing, and the index would go with the old table; so the old one's indexes are dropped
    first. An incremental build keeps its table and its indexes. -#}
{% macro index_by_workspace_and_date(date_column='report_date', semantic_day=none, include=[]) -%}
    {%- if target.type == 'postgres' -%}
        {%- set plain = this.identifier ~ '__workspace_date' -%}
        {%- set by_day = this.identifier ~ '__workspace_day_covering' -%}
        {%- if not is_incremental() -%}
        drop index if exists {{ this.schema }}."{{ plain }}";
        drop index if exists {{ this.schema }}."{{ by_day }}";
        {% endif -%}
        create index if not exists "{{ plain }}" on {{ this }} (workspace_id, {{ date_column }});
        {%- if semantic_day %}
        create index if not exists "{{ by_day }}"
        on {{ this }} (workspace_id, date_trunc('day', {{ semantic_day }}::timestamp))
        include ({{ ([semantic_day] + include) | unique | join(', ') }});
        -- The covering index keyed on the column itself, on tables built before this one.
        drop index if exists {{ this.schema }}."{{ this.identifier }}__workspace_date_covering"
        {%- endif -%}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
