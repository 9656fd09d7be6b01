-- Captures that landed no rows: the platform reported nothing for the (connection, account-local
-- day) when the window landed, e.g. a re-landed window of a day no longer reported, or a day a
-- restatement found empty. The latest capture of a day is its truth (int_ad_hourly), so an
-- empty one leaves the day without rows. A window's slice holds its own day and, in a restating
-- run's last window, the days it restated: the capture log says which days each slice captured
-- and how many rows each got. A slice with rows that failed to parse (quarantined) holds no
-- empty capture: those rows may be any of its days'.
with captured_days as (

    select
        'meta_ads' as provider,
        captured.workspace_id,
        captured.connection_id,
        captured.window_start as captured_window_start,
        captured.landed_at,
        captured.captured_day as report_date,
        captured.row_count,
        slices.quarantined_count
    from {{ ref('stg_meta_ads__capture_log') }} as captured
    inner join {{ ref('stg_meta_ads__landing_log') }} as slices
        on captured.connection_id = slices.connection_id
        and captured.window_start = slices.window_start

    union all

    select
        'google_ads' as provider,
        captured.workspace_id,
        captured.connection_id,
        captured.window_start as captured_window_start,
        captured.landed_at,
        captured.captured_day as report_date,
        captured.row_count,
        slices.quarantined_count
    from {{ ref('stg_google_ads__capture_log') }} as captured
    inner join {{ ref('stg_google_ads__landing_log') }} as slices
        on captured.connection_id = slices.connection_id
        and captured.window_start = slices.window_start

)

select
    workspace_id,
    provider,
    connection_id,
    captured_window_start,
    landed_at,
    report_date
from captured_days
where row_count = 0 and quarantined_count = 0
