{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'date_day'],
        on_schema_change='fail',
        post_hook=["{{ index_by_workspace_and_date('date_day') }}"],
    )
}}

-- The hourly mart summed per account-local day, so the two always agree (money in the workspace
-- currency is the sum of the hourly conversions, not a re-conversion of the day's total). The
-- sums are cast back: DuckDB widens sums of integers to HUGEINT and of decimals to 38 digits.
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
    cast(sum(spend) as numeric(28, 6)) as spend,
    cast(sum(impressions) as bigint) as impressions,
    cast(sum(clicks) as bigint) as clicks,
    cast(sum(conversions) as numeric(28, 6)) as conversions,
    cast(sum(conversion_value) as numeric(28, 6)) as conversion_value,
    workspace_currency,
    fx_rate,
    cast(sum(spend_workspace_currency) as numeric(28, 4)) as spend_workspace_currency,
    cast(sum(conversion_value_workspace_currency) as numeric(28, 4))
        as conversion_value_workspace_currency,
    max(landed_at) as landed_at
from {{ ref('fct_ad_reporting_hourly') }}
{% if is_incremental() %}
-- A (connection, day)'s hourly rows share one landing (see fct_ad_reporting_hourly), so this
-- picks whole days.
where {{ connection_days_in(
    ad_days_not_built(
        ref('fct_ad_reporting_hourly'),
        'built.landed_at = landed.landed_at',
        day_column='date_day',
        built_day_column='date_day',
    ),
    day_column='date_day',
) }}
{% endif %}
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
    workspace_currency,
    fx_rate
order by workspace_id, date_day
