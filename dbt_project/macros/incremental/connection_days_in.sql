{#- Rows whose (connection, day) is among the pairs `keys_query` returns (connection_id, day).
    In a build the pairs are literals, one conjunct per connection, which PostgreSQL matches to
    an index on (connection, day); no pairs, no rows. In a unit test the same pairs are read by
    a subquery (see query_rows). -#}
{% macro connection_days_in(
    keys_query, connection_column='connection_id', day_column='report_date'
) %}
    {%- set keys = query_rows(keys_query) -%}
    {%- if keys is none -%}
        exists (
            select 1
            from ({{ keys_query }}) as landed_keys (key_connection_id, key_day)
            where landed_keys.key_connection_id = {{ connection_column }}
                and landed_keys.key_day = {{ day_column }}
        )
    {%- else -%}
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
    {%- endif -%}
{% endmacro %}
