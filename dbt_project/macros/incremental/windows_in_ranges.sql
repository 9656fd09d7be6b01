{#- Landing log rows (`alias`) of the (source_table, connection_id) pairs `ranges_query` returns,
    with their window_start in that pair's [read_from, read_until). In a build the ranges are
    literals, one conjunct per pair, which PostgreSQL matches to the landing log's primary key
    (source_table, connection_id, window_start); no ranges, no rows. In a unit test the same
    ranges are read by a subquery (see query_rows). -#}
{% macro windows_in_ranges(ranges_query, alias) %}
    {%- set ranges = query_rows(ranges_query) -%}
    {%- if ranges is none -%}
        exists (
            select 1
            from ({{ ranges_query }}) as ranges (source_table, connection_id, read_from, read_until)
            where ranges.source_table = {{ alias }}.source_table
                and ranges.connection_id = {{ alias }}.connection_id
                and {{ alias }}.window_start >= cast(ranges.read_from as timestamptz)
                and {{ alias }}.window_start < cast(ranges.read_until as timestamptz)
        )
    {%- elif not ranges -%}
        (1 = 0)
    {%- else -%}
        (
        {%- for source_table, connection_id, read_from, read_until in ranges %}
            {{ 'or ' if not loop.first }}({{ alias }}.source_table = {{ sql_literal(source_table) }}
                and {{ alias }}.connection_id = {{ sql_literal(connection_id) }}
                and {{ alias }}.window_start >= cast({{ sql_literal(read_from) }} as timestamptz)
                and {{ alias }}.window_start < cast({{ sql_literal(read_until) }} as timestamptz))
        {%- endfor %}
        )
    {%- endif -%}
{% endmacro %}
