{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'date_day'],
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where {{ connection_days_to_rebuild(
                ad_reporting_days_to_build(ref('fct_ad_reporting_hourly'), 'date_day'), 'date_day'
            ) }}{% endif %}",
        ],
        post_hook=["{{ index_by_workspace_and_date('date_day') }}"],
    )
}}
-- depends_on: {{ ref('int_ad_empty_captures') }}
-- depends_on: {{ ref('int_workspace_settings') }}

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
    max(landed_at) as landed_at,
    workspace_settings_fingerprint
from {{ ref('fct_ad_reporting_hourly') }}
{% if is_incremental() %}
-- A (connection, day)'s hourly rows share one landing (see fct_ad_reporting_hourly), so this
-- picks whole days.
where {{ connection_days_to_rebuild(
    ad_reporting_days_to_build(ref('fct_ad_reporting_hourly'), 'date_day'), 'date_day'
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
    fx_rate,
    workspace_settings_fingerprint
order by workspace_id, date_day
