with source as (

    select * from {{ source('meta_ads', 'landing_log') }}
    where source_table = 'meta_ads_insights_hourly'

),

renamed as (

    select
        workspace_id,
        connection_id,
        window_start,
        window_end,
        row_count,
        landed_at
    from source

)

select * from renamed
