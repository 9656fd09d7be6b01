{{
    config(
        materialized='table',
        post_hook=["{{ index_by_workspace_and_date() }}"],
    )
}}

-- Each capture holds the whole account-local day as Meta reported it then, so the latest
-- capture of a day supersedes every earlier one (late conversions and restatements included).
with hourly as (

    select * from {{ ref('stg_meta_ads__insights_hourly') }}

),

latest_capture as (

    select
        connection_id,
        report_date,
        max(captured_window_start) as captured_window_start
    from hourly
    group by connection_id, report_date

),

current_hours as (

    select hourly.*
    from hourly
    inner join latest_capture
        on hourly.connection_id = latest_capture.connection_id
        and hourly.report_date = latest_capture.report_date
        and hourly.captured_window_start = latest_capture.captured_window_start

)

select
    workspace_id,
    'meta_ads' as provider,
    connection_id,
    account_id,
    campaign_id,
    adset_id,
    ad_id,
    report_date,
    currency,
    sum(spend) as spend,
    sum(impressions) as impressions,
    sum(clicks) as clicks,
    sum(conversions) as conversions,
    sum(conversion_value) as conversion_value
from current_hours
group by
    workspace_id, connection_id, account_id, campaign_id, adset_id, ad_id, report_date, currency
order by workspace_id, report_date
