{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'report_date'],
        on_schema_change='fail',
    )
}}

-- Each capture holds the whole account-local day as the platform reported it then, so the
-- latest capture of a (connection, day) supersedes every earlier one, late conversions and
-- restatements included: the latest window wins, and within a window the latest landing.
-- Incremental: only the (connection, day) keys with a capture landed since the last build are
-- rebuilt, from all of their captures — found by landing time, not by the run's windows, since
-- restated days land in slices of older windows. A capture already built, or older than the
-- one built, changes nothing: the hour after a backfill does not rebuild it again and again.
{%- if is_incremental() %}
{%- set landed_keys_query = ad_days_not_built(
    ref('int_ad_captures_unioned'),
    "built.captured_window_start > landed.captured_window_start
    or (
        built.captured_window_start = landed.captured_window_start
        and built.landed_at = landed.landed_at
    )"
) %}
{%- endif %}

with

captures as (

    select
        captures.*,
        dense_rank() over (
            partition by captures.connection_id, captures.report_date
            order by captures.captured_window_start desc, captures.landed_at desc
        ) as capture_recency
    from {{ ref('int_ad_captures_unioned') }} as captures
    {% if is_incremental() %}
    where {{ connection_days_in(
        landed_keys_query, 'captures.connection_id', 'captures.report_date'
    ) }}
    {% endif %}

),

latest as (

    select * from captures where capture_recency = 1

),

workspaces as (

    select workspace_id, currency as workspace_currency
    from {{ ref('int_workspaces') }}

),

converted as (

    select
        latest.*,
        workspaces.workspace_currency,
        fx.rate as fx_rate
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
    {{ convert_currency('conversion_value', 'fx_rate') }} as conversion_value_workspace_currency
from converted
