{{
    config(
        materialized='table',
        post_hook=["{{ index_by_workspace_and_date('date_day') }}"],
    )
}}

-- The hourly mart summed per account-local day, so the two always agree (money in the workspace
-- currency is the sum of the hourly conversions, not a re-conversion of the day's total).
select
    workspace_id,
    platform,
    connection_id,
    date_day,
    source_timezone,
    account_id,
    campaign_id,
    campaign_name,
    ad_group_id,
    ad_group_name,
    ad_id,
    ad_name,
    currency,
    sum(spend) as spend,
    sum(impressions) as impressions,
    sum(clicks) as clicks,
    sum(conversions) as conversions,
    sum(conversion_value) as conversion_value,
    workspace_currency,
    sum(spend_workspace_currency) as spend_workspace_currency,
    sum(conversion_value_workspace_currency) as conversion_value_workspace_currency
from {{ ref('fct_ad_reporting_hourly') }}
group by
    workspace_id,
    platform,
    connection_id,
    date_day,
    source_timezone,
    account_id,
    campaign_id,
    campaign_name,
    ad_group_id,
    ad_group_name,
    ad_id,
    ad_name,
    currency,
    workspace_currency
order by workspace_id, date_day
