{#- The rows an incremental build of an ads model replaces, as a condition on bare column names
    (the same on its input and on `this`, `day_column` apart): those of the (connection_id, day)
    keys `days_query` returns, and every row of the workspaces whose settings changed. The model
    reads its input through it, and its pre-hook first deletes `this`'s rows through it, so a
    key the build finds no rows for any more (a day no longer reported) loses its old ones:
    delete+insert alone only replaces the keys the new rows name. The hook renders before the
    build changes `this`, so it finds the keys the model was compiled with. -#}
{% macro connection_days_to_rebuild(days_query, day_column='report_date') -%}
    ({{ connection_days_in(days_query, 'connection_id', day_column) }}
        or {{ values_in('workspace_id', workspaces_with_changed_settings()) }})
{%- endmacro %}
