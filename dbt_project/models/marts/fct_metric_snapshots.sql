{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'window_start'],
        on_schema_change='fail',
        post_hook=["{{ index_by_workspace_and_date('window_start') }}"],
    )
}}

-- One row per connection × 15-minute window: the day-to-date spend that window's capture saw
-- and the change since the previous capture of the same day. Work is proportional to the run's
-- window range: only captures in it (plus the day before, for the previous capture) are read.
with landed as (

    select * from {{ ref('stg_meta_ads__landing_log') }}
    where window_start >= {{ window_start_ts() }}
      and window_start < {{ window_end_ts() }}

),

captures as (

    select
        connection_id,
        captured_window_start,
        report_date,
        sum(spend) as spend_day_to_date
    from {{ ref('stg_meta_ads__insights_hourly') }}
    where captured_window_start >= {{ window_start_ts() }} - interval '1 day'
      and captured_window_start < {{ window_end_ts() }}
    group by connection_id, captured_window_start, report_date

),

with_previous as (

    select
        *,
        lag(spend_day_to_date) over (
            partition by connection_id, report_date order by captured_window_start
        ) as previous_spend_day_to_date
    from captures

)

select
    landed.workspace_id,
    'meta_ads' as provider,
    landed.connection_id,
    landed.window_start,
    landed.window_end,
    with_previous.report_date,
    landed.row_count as landed_rows,
    coalesce(with_previous.spend_day_to_date, 0) as spend_day_to_date,
    coalesce(
        with_previous.spend_day_to_date - coalesce(with_previous.previous_spend_day_to_date, 0),
        0
    ) as spend_delta
from landed
left join with_previous
    on landed.connection_id = with_previous.connection_id
    and landed.window_start = with_previous.captured_window_start
