{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'date_day'],
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where {{ connection_days_to_rebuild(
                ad_reporting_days_to_build(ref('int_ad_hourly'), 'report_date'), 'date_day'
            ) }}{% endif %}",
        ],
        post_hook=["{{ index_by_workspace_and_date(
                'workspace_date_day',
                'workspace_date_day',
                ['platform', 'campaign_id', 'spend_workspace_currency', 'conversions',
                 'conversion_value_workspace_currency'],
            ) }}"],
    )
}}
-- depends_on: {{ ref('int_ad_empty_captures') }}
-- depends_on: {{ ref('int_workspace_settings') }}

-- Fivetran ad_reporting's shape (platform, date_day, account/campaign/ad group/ad), one row per
-- entity × account-local hour of the latest capture of each day, placed on the workspace's
-- calendar too (workspace_date_day): the day every metric is served on, whatever timezone the
-- ad account bills in. Casts pin the contract's types on both adapters (DuckDB and PostgreSQL
-- size decimals differently).
select
    workspace_id,
    provider as platform,
    connection_id,
    report_date as date_day,
    cast(hour_of_day as integer) as hour_of_day,
    source_timezone,
    hour_start,
    workspace_date_day,
    cast(workspace_hour_of_day as integer) as workspace_hour_of_day,
    account_id,
    campaign_id,
    campaign_name,
    ad_group_id,
    ad_group_name,
    ad_id,
    ad_name,
    account_currency as currency,
    cast(spend as numeric(28, 6)) as spend,
    cast(impressions as bigint) as impressions,
    cast(clicks as bigint) as clicks,
    cast(conversions as numeric(28, 6)) as conversions,
    cast(conversion_value as numeric(28, 6)) as conversion_value,
    workspace_currency,
    cast(fx_rate as numeric(18, 10)) as fx_rate,
    cast(spend_workspace_currency as numeric(28, 4)) as spend_workspace_currency,
    cast(conversion_value_workspace_currency as numeric(28, 4))
        as conversion_value_workspace_currency,
    landed_at,
    workspace_settings_fingerprint
from {{ ref('int_ad_hourly') }}
{% if is_incremental() %}
-- Every row of a (connection, day) comes from the same capture and carries its landing, so the
-- rows landed since the last build are whole keys, ready to replace theirs; the pre-hook clears
-- the days emptied since and the workspaces whose settings changed.
where {{ connection_days_to_rebuild(
    ad_reporting_days_to_build(ref('int_ad_hourly'), 'report_date')
) }}
{% endif %}
order by workspace_id, workspace_date_day
