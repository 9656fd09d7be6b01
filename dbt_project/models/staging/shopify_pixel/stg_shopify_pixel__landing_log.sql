with source as (

    select * from {{ source('shopify', 'landing_log') }}
    where source_table = 'shopify_pixel_events'

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
