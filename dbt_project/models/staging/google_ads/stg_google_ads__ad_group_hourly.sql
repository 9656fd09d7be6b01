with source as (

    select * from {{ source('google_ads', 'google_ads_ad_group_hourly') }}

),

renamed as (

    select
        workspace_id,
        connection_id,
        window_start as captured_window_start,
        window_end as captured_window_end,
        landed_at,
        customer_id,
        time_zone as account_timezone,
        upper(currency) as currency,
        campaign_id,
        campaign_name,
        ad_group_id,
        ad_group_name,
        segment_date as report_date,
        cast(segment_hour as integer) as hour_of_day,
        -- Google reports money in micros of the account currency. Multiplied, not divided:
        -- DuckDB divides DECIMALs in DOUBLE, and money never goes through a float.
        cast(cast(cost_micros as numeric(38, 0)) * 0.000001 as {{ dbt.type_numeric() }}) as spend,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(conversions as {{ dbt.type_numeric() }}) as conversions,
        cast(conversions_value as {{ dbt.type_numeric() }}) as conversion_value
    from source

)

select * from renamed
