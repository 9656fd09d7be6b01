with source as (

    select * from {{ source('google_ads', 'google_ads_entities') }}

),

renamed as (

    select
        workspace_id,
        connection_id,
        window_start as captured_window_start,
        landed_at,
        customer_id,
        entity_level,
        entity_id,
        entity_name,
        campaign_id,
        ad_group_id,
        status
    from source

)

select * from renamed
