{#- fct_metric_snapshots' compaction cutoffs, as SQL timestamptz expressions: captures before
    `hourly` fold into hours, before `daily` into days. Compaction ages rows against the build's
    clock, or the end of the run's days when that is earlier: a build of past days compacts as
    it would have then, so a rebuild of the same days gives the same rows (or a fixed instant,
    var snapshot_compaction_as_of). Cutoffs are whole UTC hours so an hour's captures always
    fall on the same side. -#}
{% macro snapshot_compaction_cutoffs() %}
    {%- set as_of = var('snapshot_compaction_as_of') -%}
    {%- set as_of_ts = "cast('" ~ as_of ~ "' as timestamptz)" if as_of
        else "least(current_timestamp, cast('" ~ var('window_end') ~ "' as timestamptz))" -%}
    {{ return({
        'hourly': utc_hour_start(
            dbt.dateadd('day', -(var('snapshot_hourly_after_days') | int), as_of_ts)
        ),
        'daily': utc_hour_start(
            dbt.dateadd('day', -(var('snapshot_daily_after_days') | int), as_of_ts)
        ),
    }) }}
{% endmacro %}
