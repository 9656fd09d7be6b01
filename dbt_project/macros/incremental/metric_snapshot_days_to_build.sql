{#- The (connection_id, day) keys fct_metric_snapshots rebuilds: those with a landing it does not
    account for yet (a folded row keeps only its captures' latest landing, so any landing of its
    windows up to that counts as built), those whose captures crossed a compaction cutoff since
    the last build, and those with an empty capture landed since (its window's rows go). -#}
{% macro metric_snapshot_days_to_build() %}
    {%- set cutoffs = snapshot_compaction_cutoffs() -%}
    {{ ad_days_not_built(
        ref('int_ad_captures_unioned'),
        "built.window_start <= landed.captured_window_start
        and built.window_end > landed.captured_window_start
        and (
            built.landed_at = landed.landed_at
            or (built.grain <> '15m' and built.landed_at > landed.landed_at)
        )"
    ) }}
    union
    select connection_id, report_date
    from {{ this }}
    where (grain = '15m' and window_start < {{ cutoffs.hourly }})
        or (grain <> '1d' and window_start < {{ cutoffs.daily }})
    union
    {{ ad_days_emptied_since_last_build() }}
{% endmacro %}
