-- Every capture of both platforms in one shape, at the finest level each reports: the Meta ad,
-- the Google ad group (Google serves hourly metrics per ad group, not per ad).
with meta_captures as (

    select
        workspace_id,
        'meta_ads' as provider,
        connection_id,
        captured_window_start,
        captured_window_end,
        landed_at,
        account_id,
        account_timezone as source_timezone,
        currency as account_currency,
        campaign_id,
        campaign_name,
        adset_id as ad_group_id,
        adset_name as ad_group_name,
        ad_id,
        ad_name,
        'ad' as ad_entity_level,
        ad_id as ad_entity_id,
        report_date,
        hour_of_day,
        spend,
        impressions,
        clicks,
        conversions,
        conversion_value
    from {{ ref('stg_meta_ads__insights_hourly') }}

),

google_captures as (

    select
        workspace_id,
        'google_ads' as provider,
        connection_id,
        captured_window_start,
        captured_window_end,
        landed_at,
        customer_id as account_id,
        account_timezone as source_timezone,
        currency as account_currency,
        campaign_id,
        campaign_name,
        ad_group_id,
        ad_group_name,
        cast(null as {{ dbt.type_string() }}) as ad_id,
        cast(null as {{ dbt.type_string() }}) as ad_name,
        'ad_group' as ad_entity_level,
        ad_group_id as ad_entity_id,
        report_date,
        hour_of_day,
        spend,
        impressions,
        clicks,
        conversions,
        conversion_value
    from {{ ref('stg_google_ads__ad_group_hourly') }}

)

select * from meta_captures
union all
select * from google_captures
