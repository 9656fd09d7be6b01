with source as (

    select * from {{ source('meta_ads', 'meta_ads_insights_hourly') }}

),

renamed as (

    select
        workspace_id,
        connection_id,
        window_start as captured_window_start,
        window_end as captured_window_end,
        landed_at,
        account_id,
        account_timezone,
        campaign_id,
        campaign_name,
        adset_id,
        adset_name,
        ad_id,
        ad_name,
        date_start as report_date,
        cast(hour_of_day as integer) as hour_of_day,
        cast(spend as {{ dbt.type_numeric() }}) as spend,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(link_clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(purchases as {{ dbt.type_numeric() }}) as conversions,
        cast(purchase_value as {{ dbt.type_numeric() }}) as conversion_value,
        upper(currency) as currency
    from source

)

select * from renamed
