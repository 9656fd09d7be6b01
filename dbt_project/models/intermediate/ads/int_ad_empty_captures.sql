-- Captures that landed no rows: the platform reported nothing for the (connection, account-local
-- day) at that window, e.g. a re-landed window of a day no longer reported. The latest capture
-- of a day is its truth (int_ad_hourly), so an empty one leaves the day without rows. A slice
-- whose rows only failed to parse (quarantined) is not empty: those rows exist. A slice holds
-- one day, the account-local day of its window, read in the timezone the connection's captures
-- report (a connection that never landed a row has no day to clear).
with slices as (

    select
        'meta_ads' as provider,
        workspace_id,
        connection_id,
        window_start as captured_window_start,
        landed_at,
        row_count,
        quarantined_count
    from {{ ref('stg_meta_ads__landing_log') }}

    union all

    select
        'google_ads' as provider,
        workspace_id,
        connection_id,
        window_start as captured_window_start,
        landed_at,
        row_count,
        quarantined_count
    from {{ ref('stg_google_ads__landing_log') }}

),

empty_slices as (

    select
        *,
        (
            select captures.source_timezone
            from {{ ref('int_ad_captures_unioned') }} as captures
            where captures.connection_id = slices.connection_id
            limit 1
        ) as source_timezone
    from slices
    where row_count = 0 and quarantined_count = 0

)

select
    workspace_id,
    provider,
    connection_id,
    captured_window_start,
    landed_at,
    {{ local_date('captured_window_start', 'source_timezone') }} as report_date
from empty_slices
where source_timezone is not null
