{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'report_date'],
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }}
            where {{ connection_days_to_rebuild(ad_hourly_days_to_build()) }}{% endif %}",
        ],
    )
}}

-- Each capture holds the whole account-local day as the platform reported it then, so the
-- latest capture of a (connection, day) supersedes every earlier one, late conversions and
-- restatements included: the latest window wins, and within a window the latest landing. A
-- latest capture that reported nothing (int_ad_empty_captures) leaves the day without rows,
-- and an ad missing from it has none that day.
-- Incremental: only the (connection, day) keys with a capture landed since the last build are
-- rebuilt, from all of their captures — found by landing time, not by the run's windows, since
-- a restating run's last window also captures the days it restated. A capture already built, or older than the
-- one built, changes nothing: the hour after a backfill does not rebuild it again and again.
-- The workspaces whose settings changed are rebuilt whole (see int_workspace_settings).
-- Each hour is also placed on the workspace's calendar (the day and hour its start falls on in
-- the workspace's timezone), which every metric is served on. With both timezones whole-hour
-- offsets from UTC an account hour lies in exactly one workspace hour; when one offset has a
-- half or quarter hour (India, Nepal, parts of Australia), an account hour straddles two
-- workspace hours and is placed whole on the one it starts in: the platforms report no finer
-- grain, so the hour that straddles the workspace's midnight counts on the day it starts on.
{%- if is_incremental() %}
{%- set rows_to_rebuild = connection_days_to_rebuild(ad_hourly_days_to_build()) %}
{%- endif %}

with

captures as (

    select
        *,
        dense_rank() over (
            partition by connection_id, report_date
            order by captured_window_start desc, landed_at desc
        ) as capture_recency
    from {{ ref('int_ad_captures_unioned') }}
    {% if is_incremental() %}
    where {{ rows_to_rebuild }}
    {% endif %}

),

empty_captures as (

    select * from {{ ref('int_ad_empty_captures') }}
    {% if is_incremental() %}
    where {{ rows_to_rebuild }}
    {% endif %}

),

latest as (

    select * from captures
    where capture_recency = 1
        and not exists (
            select 1
            from empty_captures as empty
            where empty.connection_id = captures.connection_id
                and empty.report_date = captures.report_date
                and (
                    empty.captured_window_start > captures.captured_window_start
                    or (
                        empty.captured_window_start = captures.captured_window_start
                        and empty.landed_at > captures.landed_at
                    )
                )
        )

),

workspaces as (

    select
        workspace_id,
        currency as workspace_currency,
        timezone as workspace_timezone,
        settings_fingerprint as workspace_settings_fingerprint
    from {{ ref('int_workspace_settings') }}

),

converted as (

    select
        latest.*,
        workspaces.workspace_currency,
        workspaces.workspace_timezone,
        workspaces.workspace_settings_fingerprint,
        fx.rate as fx_rate,
        {{ local_hour_start('latest.report_date', 'latest.hour_of_day', 'latest.source_timezone') }}
            as hour_start
    from latest
    left join workspaces on latest.workspace_id = workspaces.workspace_id
    left join {{ ref('int_fx_rates_daily') }} as fx
        on fx.rate_date = latest.report_date
        and fx.from_currency = latest.account_currency
        and fx.to_currency = workspaces.workspace_currency

)

select
    workspace_id,
    provider,
    connection_id,
    account_id,
    campaign_id,
    campaign_name,
    ad_group_id,
    ad_group_name,
    ad_id,
    ad_name,
    ad_entity_level,
    ad_entity_id,
    report_date,
    hour_of_day,
    source_timezone,
    hour_start,
    {{ local_date('hour_start', 'workspace_timezone') }} as workspace_date_day,
    cast(
        extract(hour from (hour_start at time zone workspace_timezone)) as {{ dbt.type_int() }}
    ) as workspace_hour_of_day,
    account_currency,
    captured_window_start,
    landed_at,
    spend,
    impressions,
    clicks,
    conversions,
    conversion_value,
    workspace_currency,
    fx_rate,
    {{ convert_currency('spend', 'fx_rate') }} as spend_workspace_currency,
    {{ convert_currency('conversion_value', 'fx_rate') }} as conversion_value_workspace_currency,
    workspace_settings_fingerprint
from converted
