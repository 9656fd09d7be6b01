{#- The workspaces whose settings (int_workspace_settings' `setting`) differ from those their rows
    in `this` were built with (its `built_column`): by default the settings fingerprint, which
    changes with the app's currency or timezone, or with the FX seed's rates the workspace
    converts with. A build that finds one rewrites every row of the workspace, so all of a
    workspace's rows always carry one value, and reading one row per workspace tells (a probe on
    the workspace's index, not a scan). A workspace without rows has nothing to rebuild. -#}
{% macro workspaces_with_changed_settings(
    built_column='workspace_settings_fingerprint', setting='settings_fingerprint'
) %}
    select settings.workspace_id
    from {{ ref('int_workspace_settings') }} as settings
    where settings.{{ setting }} <> (
        select built.{{ built_column }}
        from {{ this }} as built
        where built.workspace_id = settings.workspace_id
        limit 1
    )
{% endmacro %}
