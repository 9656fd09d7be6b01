with source as (

    select * from {{ source('meta_ads', 'landing_log') }}
    -- Entities land only in each run's last window (Meta tells only their current state), so their
    -- slices say nothing about which windows landed.
    where source_table = 'meta_ads_insights_hourly'

),

renamed as (

    select
        source_table,
        workspace_id,
        connection_id,
        window_start,
        window_end,
        row_count,
        quarantined_count,
        landed_at
    from source

)

select * from renamed
