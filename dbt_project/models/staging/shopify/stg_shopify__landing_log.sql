with source as (

    select * from {{ source('shopify', 'landing_log') }}
    -- Pixel events land from the app's inbox through their own asset, not this source's.
    where source_table = 'shopify_orders'
        -- An order webhook lands the running window in part (landed before it ended): the
        -- window has landed once its scheduled run, after its end, lands it whole.
        and window_end <= landed_at

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
