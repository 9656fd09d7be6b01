with source as (

    select * from {{ source('meta_ads', 'meta_ads_entities') }}

),

renamed as (

    select
        workspace_id,
        connection_id,
        window_start as captured_window_start,
        landed_at,
        account_id,
        entity_level,
        entity_id,
        entity_name,
        campaign_id,
        adset_id,
        status,
        effective_status,
        daily_budget_minor,
        lifetime_budget_minor,
        upper(currency) as currency,
        created_time as created_at,
        updated_time as updated_at
    from source

)

select * from renamed
