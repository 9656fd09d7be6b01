with source as (

    select * from {{ source('google_ads', 'capture_log') }}
    where source_table = 'google_ads_ad_group_hourly'

),

renamed as (

    select
        source_table,
        workspace_id,
        connection_id,
        window_start,
        captured_day,
        row_count,
        landed_at
    from source

)

select * from renamed
