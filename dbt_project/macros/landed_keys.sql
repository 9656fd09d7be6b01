{#- Incremental builds read the history only through the keys that landed since their last
    build. Those keys are fetched first and written into the model's SQL as literals: PostgreSQL
    plans a subquery's result blind (a third of the table, whatever it holds) and then scans and
    sorts the whole history, where literals let it probe its indexes for those keys alone
    (int_ad_hourly's window build: 4 s → 5 ms at 90 days). A unit test's inputs are CTEs of the
    test's own query, which a query of their own cannot read: there the subqueries stay. -#}

{% macro in_unit_test() %}
    {{ return(model.resource_type == 'unit_test') }}
{% endmacro %}

{#- The rows of `query` as lists of values while the model executes; none at parse time. -#}
{% macro query_rows(query) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(run_query(query).rows | map('list') | list) }}
{% endmacro %}

{#- The instant `query` returns (one row, one column, a timestamptz; null: the epoch). -#}
{% macro query_instant(query) %}
    {%- set epoch = "cast('1970-01-01 00:00:00+00' as timestamptz)" -%}
    {%- if in_unit_test() -%}
        coalesce(({{ query }}), {{ epoch }})
    {%- else -%}
        {%- set rows = query_rows('select cast((' ~ query ~ ') as ' ~ dbt.type_string() ~ ')') -%}
        {%- if rows and rows[0][0] is not none -%}
            cast('{{ rows[0][0] }}' as timestamptz)
        {%- else -%}
            {{ epoch }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The newest landing `this` holds in `column`, less the margin var `margin_var` (minutes), so a
    slice stamped before the last build but committed after it is still picked up. Each model
    reads its own table, so a model skipped by a failed build catches up on the next one; an
    empty table (the first builds before anything landed) reads everything. -#}
{% macro landing_mark(margin_var='shop_orders_landing_margin_minutes', column='last_landed_at') -%}
    {{ query_instant(
        "select max(" ~ column ~ ") - interval '" ~ var(margin_var) ~ " minutes' from " ~ this
    ) }}
{%- endmacro %}

{#- Rows whose (connection, day) is among the pairs `keys_query` returns. -#}
{% macro connection_days_in(
    keys_query, connection_column='connection_id', day_column='report_date'
) %}
    {%- if in_unit_test() -%}
        exists (
            select 1
            from ({{ keys_query }}) as landed_keys (key_connection_id, key_day)
            where landed_keys.key_connection_id = {{ connection_column }}
                and landed_keys.key_day = {{ day_column }}
        )
    {%- else -%}
        {{ connection_days_predicate(query_rows(keys_query), connection_column, day_column) }}
    {%- endif -%}
{% endmacro %}

{#- Rows whose day is one of their connection's days among `keys` ([connection_id, day] pairs):
    one conjunct per connection, which PostgreSQL matches to an index on (connection, day).
    No keys: no rows. -#}
{% macro connection_days_predicate(keys, connection_column, day_column) %}
    {%- set days_by_connection = {} -%}
    {%- for connection_id, day in keys -%}
        {%- do days_by_connection.setdefault(connection_id, []).append(day) -%}
    {%- endfor -%}
    {%- if not days_by_connection -%}
        (1 = 0)
    {%- else -%}
        (
        {%- for connection_id, days in days_by_connection.items() %}
            {{ 'or ' if not loop.first }}({{ connection_column }} = {{ sql_literal(connection_id) }}
                and {{ day_column }} in (
                {%- for day in days | unique -%}
                    cast('{{ day }}' as date){{ ', ' if not loop.last }}
                {%- endfor -%}
            ))
        {%- endfor %}
        )
    {%- endif -%}
{% endmacro %}

{#- Rows whose `column` is among the values `values_query` returns (one column). Beyond
    `max_literals` values (the hour after a backfill) the subquery stays: the literals would make
    the statement megabytes long, and a read that large is a scan anyway. -#}
{% macro values_in(column, values_query, max_literals=10000) %}
    {%- if in_unit_test() -%}
        {{ column }} in ({{ values_query }})
    {%- else -%}
        {%- set values = query_rows(values_query) | map('first') | reject('none') | unique | list -%}
        {%- if values | length > max_literals -%}
            {{ column }} in ({{ values_query }})
        {%- elif not values -%}
            (1 = 0)
        {%- else -%}
            {{ column }} in (
                {%- for value in values -%}
                    {{ sql_literal(value) }}{{ ', ' if not loop.last }}
                {%- endfor -%}
            )
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{% macro sql_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
