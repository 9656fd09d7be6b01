{{
    config(
        materialized='table',
        post_hook=["{{ index_by_workspace_and_date('date_day') }}"],
    )
}}

-- Fivetran ad_reporting's shape (platform, date_day, account/campaign/ad group/ad), one row per
-- entity × account-local hour of the latest capture of each day.
select
    workspace_id,
    provider as platform,
    connection_id,
    report_date as date_day,
    hour_of_day,
    source_timezone,
    account_id,
    campaign_id,
    campaign_name,
    ad_group_id,
    ad_group_name,
    ad_id,
    ad_name,
    account_currency as currency,
    spend,
    impressions,
    clicks,
    conversions,
    conversion_value,
    workspace_currency,
    spend_workspace_currency,
    conversion_value_workspace_currency
from {{ ref('int_ad_hourly') }}
order by workspace_id, date_day
