{#- The landing instant after which an incremental ads model rebuilds keys, as a literal: the
    newest landing it already holds, less var ads_landing_margin_minutes, so a slice stamped
    before the previous build but committed after it is still picked up. Each model reads its
    own table, so a model skipped by a failed build catches up on the next one. -#}
{% macro ads_landed_after() -%}
    {{ query_instant(
        "select max(landed_at) - interval '" ~ var("ads_landing_margin_minutes") ~ " minutes'"
        ~ " from " ~ this
    ) }}
{%- endmacro %}

{#- The (connection_id, day) keys of `source` whose landing the model (`this`, keyed by
    connection_id and date_day) does not hold yet: every row of a key in `source` comes from the
    same capture and carries its landing, so a key built with that landing is up to date, and
    the hour after a backfill does not rebuild it again and again. -#}
{% macro ad_days_not_built(source, day_column) %}
    {%- set query -%}
        select distinct landed.connection_id, landed.{{ day_column }}
        from {{ source }} as landed
        where landed.landed_at > {{ ads_landed_after() }}
            and not exists (
                select 1
                from {{ this }} as built
                where built.connection_id = landed.connection_id
                    and built.date_day = landed.{{ day_column }}
                    and built.landed_at = landed.landed_at
            )
    {%- endset %}
    {{ return(query) }}
{% endmacro %}

{#- The (connection_id, report_date) keys of the ad captures landed since the model's mark
    that the model (`this`) does not account for yet: `built_condition` says when one of its
    rows (`built`, of the same connection and day) already does for a capture (`landed`). -#}
{% macro ad_capture_days_not_built(built_condition) %}
    select distinct landed.connection_id, landed.report_date
    from {{ ref('int_ad_captures_unioned') }} as landed
    where landed.landed_at > {{ ads_landed_after() }}
        and not exists (
            select 1
            from {{ this }} as built
            where built.connection_id = landed.connection_id
                and built.report_date = landed.report_date
                and ({{ built_condition }})
        )
{%- endmacro %}
