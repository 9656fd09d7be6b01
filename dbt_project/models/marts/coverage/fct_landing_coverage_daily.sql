{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'source_table', 'date_day'],
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where {{ values_in(
                'workspace_id', workspaces_with_changed_settings('workspace_timezone', 'timezone')
            ) }}{% endif %}",
        ],
        post_hook=["{{ index_by_workspace_and_date('date_day') }}"],
    )
}}

-- Which 15-minute windows of each workspace-local day landed, per connection and landed table,
-- from the day of its first landed window through the day of its last; a day in between
-- without any is 'missing'. Incremental: a build rewrites the days holding a window landed
-- since its mark (less var landing_coverage_margin_minutes), reading the landing log only
-- around those windows, and adds the days a landing stretched the range over; a workspace
-- whose timezone changed is rebuilt whole (its pre-hook deletes its days first).
{%- set landings_query %}
    select 'meta_ads' as provider, meta_ads.*
    from {{ ref('stg_meta_ads__landing_log') }} as meta_ads
    union all
    select 'google_ads' as provider, google_ads.*
    from {{ ref('stg_google_ads__landing_log') }} as google_ads
    union all
    select 'shopify' as provider, shopify.*
    from {{ ref('stg_shopify__landing_log') }} as shopify
{%- endset %}

{%- if is_incremental() %}
{%- set mark = landing_mark('landing_coverage_margin_minutes', 'last_landed_at') %}
{%- set rebuilt_workspaces = workspaces_with_changed_settings('workspace_timezone', 'timezone') %}
-- Every window of a local day lies within 25 hours of any other (a DST day is 25 hours long):
-- reading that far around the windows landed since the mark reads their days whole.
{%- set ranges_query %}
    select
        source_table,
        connection_id,
        cast({{ dbt.dateadd('hour', -25, 'min(window_start)') }} as {{ dbt.type_string() }}),
        cast({{ dbt.dateadd('hour', 25, 'max(window_start)') }} as {{ dbt.type_string() }})
    from ({{ landings_query }}) as landings
    where landed_at > {{ mark }}
    group by source_table, connection_id
{%- endset %}
{%- endif %}

with

workspaces as (

    select workspace_id, timezone as workspace_timezone
    from {{ ref('int_workspace_settings') }}

),

landed_windows as (

    select
        landings.*,
        workspaces.workspace_timezone,
        {{ local_date('landings.window_start', 'workspaces.workspace_timezone') }} as date_day
    from ({{ landings_query }}) as landings
    inner join workspaces on landings.workspace_id = workspaces.workspace_id
    {% if is_incremental() %}
    where {{ windows_in_ranges(ranges_query, 'landings') }}
        or {{ values_in('landings.workspace_id', rebuilt_workspaces) }}
    {% endif %}

),

-- The days this build writes from what landed: every landed day in a full build.
landed_days as (

    select
        workspace_id,
        connection_id,
        provider,
        source_table,
        workspace_timezone,
        date_day,
        count(*) as windows_landed,
        sum(quarantined_count) as quarantined_rows,
        max(landed_at) as last_landed_at
    from landed_windows
    {% if is_incremental() %}
    where exists (
        select 1
        from landed_windows as landed_since_mark
        where landed_since_mark.landed_at > {{ mark }}
            and landed_since_mark.connection_id = landed_windows.connection_id
            and landed_since_mark.source_table = landed_windows.source_table
            and landed_since_mark.date_day = landed_windows.date_day
    )
        or {{ values_in('workspace_id', rebuilt_workspaces) }}
    {% endif %}
    group by workspace_id, connection_id, provider, source_table, workspace_timezone, date_day

),

ranges as (

    select
        workspace_id,
        connection_id,
        provider,
        source_table,
        workspace_timezone,
        min(date_day) as first_day,
        max(date_day) as last_day
    from landed_days
    group by workspace_id, connection_id, provider, source_table, workspace_timezone

),

{% if is_incremental() %}
built_ranges as (

    select
        connection_id,
        source_table,
        min(date_day) as built_first_day,
        max(date_day) as built_last_day
    from {{ this }}
    group by connection_id, source_table

),
{% endif %}

-- Every day of each range; incrementally, the days landed since the mark and the days the range
-- grew by (the rows of the others stand).
days as (

    select
        ranges.workspace_id,
        ranges.connection_id,
        ranges.provider,
        ranges.source_table,
        ranges.workspace_timezone,
        spine.date_day,
        landed_days.windows_landed,
        landed_days.quarantined_rows,
        landed_days.last_landed_at
    from ranges
    {% if is_incremental() %}
    left join built_ranges
        on ranges.connection_id = built_ranges.connection_id
        and ranges.source_table = built_ranges.source_table
    inner join {{ ref('metricflow_time_spine') }} as spine
        on spine.date_day >= least(ranges.first_day, coalesce(built_ranges.built_first_day, ranges.first_day))
        and spine.date_day <= greatest(ranges.last_day, coalesce(built_ranges.built_last_day, ranges.last_day))
    {% else %}
    inner join {{ ref('metricflow_time_spine') }} as spine
        on spine.date_day >= ranges.first_day
        and spine.date_day <= ranges.last_day
    {% endif %}
    left join landed_days
        on ranges.connection_id = landed_days.connection_id
        and ranges.source_table = landed_days.source_table
        and spine.date_day = landed_days.date_day
    {% if is_incremental() %}
    where landed_days.date_day is not null
        or built_ranges.connection_id is null
        or spine.date_day < built_ranges.built_first_day
        or spine.date_day > built_ranges.built_last_day
    {% endif %}

),

-- The day's bounds: local midnights as instants (23 or 25 hours apart on a DST change).
bounded as (

    select
        days.*,
        cast(days.date_day as timestamp) at time zone days.workspace_timezone as day_start,
        cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as timestamp)
            at time zone days.workspace_timezone as day_end
    from days

),

counted as (

    select
        bounded.*,
        cast(
            round(
                (extract(epoch from day_end) - extract(epoch from day_start))
                / (60 * {{ var('landing_window_minutes') | int }})
            ) as bigint
        ) as windows_expected
    from bounded

)

select
    workspace_id,
    connection_id,
    provider,
    source_table,
    date_day,
    workspace_timezone,
    day_start,
    day_end,
    windows_expected,
    cast(coalesce(windows_landed, 0) as bigint) as windows_landed,
    cast(coalesce(quarantined_rows, 0) as bigint) as quarantined_rows,
    last_landed_at,
    case
        when windows_landed is null then 'missing'
        when windows_landed = windows_expected then 'complete'
        else 'partial'
    end as coverage
from counted
order by workspace_id, date_day
