{#- The rows `query` returns (lists of values), run while the model compiles, for the macros that
    write an incremental build's landed keys into its SQL as literals: landing_mark,
    connection_days_in and values_in. Why literals: PostgreSQL plans a subquery's result blind (a
    third of the table, whatever it holds) and then scans and sorts the whole history, where
    literals let it probe its indexes for those keys alone (int_ad_hourly's window build at 90
    days: 4 s → 5 ms).

    None where the rows cannot be read, and those macros then write the same condition as a
    subquery over `query` instead:
    - at parse time, when nothing executes;
    - in a dbt unit test, whose inputs are CTEs of the test's own query: a query run beside it
      reads the real tables, not the test's rows.
    This is the only place a unit test's SQL and a production build's part: every model compiles
    to the same SQL in both, except that each key list or mark is spelled as a subquery in the
    test and as literals in the build. The pipeline tests (incremental equals full refresh, on
    DuckDB and PostgreSQL) run the literal spelling. -#}
{% macro query_rows(query) %}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(run_query(query).rows | map('list') | list) }}
{% endmacro %}
