with source as (

    select * from {{ source('meta_ads', 'capture_log') }}
    where source_table = 'meta_ads_insights_hourly'

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
