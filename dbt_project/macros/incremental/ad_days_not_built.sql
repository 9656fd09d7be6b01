{#- The (connection_id, day) keys of `source` landed since the ads model's mark that the model
    (`this`) does not account for yet: `built_condition` says when one of its rows (`built`, of
    the same connection and day) already does for a landed row (`landed`). So the hour after a
    backfill, whose landings all fall within the margin, does not rebuild it again and again. -#}
{% macro ad_days_not_built(
    source, built_condition, day_column='report_date', built_day_column='report_date'
) %}
    select distinct landed.connection_id, landed.{{ day_column }}
    from {{ source }} as landed
    where landed.landed_at > {{ landing_mark('ads_landing_margin_minutes', 'landed_at') }}
        and not exists (
            select 1
            from {{ this }} as built
            where built.connection_id = landed.connection_id
                and built.{{ built_day_column }} = landed.{{ day_column }}
                and ({{ built_condition }})
        )
{%- endmacro %}
