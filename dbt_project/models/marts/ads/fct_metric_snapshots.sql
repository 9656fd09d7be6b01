{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['connection_id', 'report_date'],
        on_schema_change='fail',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }}
            where {{ connection_days_to_rebuild(metric_snapshot_days_to_build()) }}{% endif %}",
        ],
        post_hook=["{{ index_by_workspace_and_date(
                'window_start',
                'report_date',
                ['window_end', 'report_date', 'provider', 'connection_id',
                 'spend_day_to_date_workspace_currency'],
            ) }}"],
    )
}}
-- depends_on: {{ ref('int_ad_empty_captures') }}

{#- Compaction cutoffs: see snapshot_compaction_cutoffs. -#}
{%- set cutoffs = snapshot_compaction_cutoffs() -%}
{%- set hourly_cutoff = cutoffs.hourly -%}
{%- set daily_cutoff = cutoffs.daily -%}

-- One row per ad entity (Meta ad, Google ad group) × account-local day × capture: what the
-- capture saw for the day so far, and what changed since the previous capture of that day.
-- A capture is rebuilt from every capture of its (connection, day), so work is proportional to
-- the (connection, day) keys that landed since the last build — found by landing time, not by
-- the run's windows: a restating run's last window also captures the days it restated. A
-- restatement is a capture like any other, so a restated day's earlier captures keep what they
-- saw. A landing already built changes nothing (a folded row keeps only its captures' latest
-- landing, so any landing of its windows up to that counts as built), and rows already folded
-- are no longer at a finer grain than their age allows: only the days whose captures crossed a
-- cutoff since the last build are rebuilt for compaction, not the history.
-- The workspaces whose settings changed are rebuilt whole (see int_workspace_settings).
{%- if is_incremental() %}
{%- set rows_to_rebuild = connection_days_to_rebuild(metric_snapshot_days_to_build()) %}
{%- endif %}

with

captures as (

    select
        *,
        dense_rank() over (
            partition by connection_id, captured_window_start
            order by landed_at desc
        ) as landing_recency
    from {{ ref('int_ad_captures_unioned') }}
    {% if is_incremental() %}
    where {{ rows_to_rebuild }}
    {% endif %}

),

entity_captures as (

    select
        workspace_id,
        provider,
        connection_id,
        account_id,
        ad_entity_level,
        ad_entity_id,
        campaign_id,
        ad_group_id,
        report_date,
        source_timezone,
        account_currency,
        captured_window_start as window_start,
        captured_window_end as window_end,
        landed_at,
        sum(spend) as spend_day_to_date,
        sum(impressions) as impressions_day_to_date,
        sum(clicks) as clicks_day_to_date,
        sum(conversions) as conversions_day_to_date,
        sum(conversion_value) as conversion_value_day_to_date
    from captures
    -- A later landing of the same window supersedes the earlier one.
    where landing_recency = 1
    group by
        workspace_id,
        provider,
        connection_id,
        account_id,
        ad_entity_level,
        ad_entity_id,
        campaign_id,
        ad_group_id,
        report_date,
        source_timezone,
        account_currency,
        captured_window_start,
        captured_window_end,
        landed_at

),

converted as (

    select
        entity_captures.*,
        workspaces.currency as workspace_currency,
        workspaces.settings_fingerprint as workspace_settings_fingerprint,
        {{ convert_currency('entity_captures.spend_day_to_date', 'fx.rate') }}
            as spend_day_to_date_workspace_currency,
        {{ convert_currency('entity_captures.conversion_value_day_to_date', 'fx.rate') }}
            as conversion_value_day_to_date_workspace_currency
    from entity_captures
    left join {{ ref('int_workspace_settings') }} as workspaces
        on entity_captures.workspace_id = workspaces.workspace_id
    left join {{ ref('int_fx_rates_daily') }} as fx
        on fx.rate_date = entity_captures.report_date
        and fx.from_currency = entity_captures.account_currency
        and fx.to_currency = workspaces.currency

),

{%- set cumulative_metrics = [
    'spend', 'impressions', 'clicks', 'conversions', 'conversion_value',
    'spend_workspace_currency', 'conversion_value_workspace_currency',
] %}

with_deltas as (

    select
        converted.*,
        {%- for metric in cumulative_metrics %}
        {%- set day_to_date = metric ~ '_day_to_date' if 'workspace_currency' not in metric
            else metric | replace('_workspace_currency', '_day_to_date_workspace_currency') %}
        {%- set delta = metric ~ '_delta' if 'workspace_currency' not in metric
            else metric | replace('_workspace_currency', '_delta_workspace_currency') %}
        {{ day_to_date }} - coalesce(
            lag({{ day_to_date }}) over (
                partition by connection_id, ad_entity_id, report_date order by window_start
            ),
            0
        ) as {{ delta }},
        {%- endfor %}
        case
            when window_start < {{ daily_cutoff }} then '1d'
            when window_start < {{ hourly_cutoff }} then '1h'
            else '15m'
        end as grain
    from converted

),

-- Old captures fold into one row per hour, then per day: deltas add up, the day-to-date values
-- are the last folded capture's, so every day's totals stay exactly what they were.
bucketed as (

    select
        with_deltas.*,
        case
            when grain = '15m' then window_start
            when grain = '1h' then {{ utc_hour_start('window_start') }}
        end as bucket_start
    from with_deltas

),

folded as (

    select
        bucketed.*,
        row_number() over (
            partition by connection_id, ad_entity_id, report_date, grain, bucket_start
            order by window_start desc
        ) as recency_in_bucket,
        min(window_start) over (
            partition by connection_id, ad_entity_id, report_date, grain, bucket_start
        ) as first_window_start,
        max(landed_at) over (
            partition by connection_id, ad_entity_id, report_date, grain, bucket_start
        ) as last_landed_at,
        count(*) over (
            partition by connection_id, ad_entity_id, report_date, grain, bucket_start
        ) as folded_captures,
        {%- for metric in cumulative_metrics %}
        {%- set delta = metric ~ '_delta' if 'workspace_currency' not in metric
            else metric | replace('_workspace_currency', '_delta_workspace_currency') %}
        sum({{ delta }}) over (
            partition by connection_id, ad_entity_id, report_date, grain, bucket_start
        ) as folded_{{ delta }}{{ ',' if not loop.last }}
        {%- endfor %}
    from bucketed

)

-- Casts pin the contract's types on both adapters: DuckDB widens sums of integers to HUGEINT
-- and of decimals to 38 digits, PostgreSQL keeps numeric unconstrained.
select
    workspace_id,
    provider,
    connection_id,
    account_id,
    ad_entity_level,
    ad_entity_id,
    campaign_id,
    ad_group_id,
    report_date,
    source_timezone,
    grain,
    first_window_start as window_start,
    window_end,
    last_landed_at as landed_at,
    cast(folded_captures as bigint) as captures,
    account_currency,
    cast(spend_day_to_date as numeric(28, 6)) as spend_day_to_date,
    cast(folded_spend_delta as numeric(28, 6)) as spend_delta,
    cast(impressions_day_to_date as bigint) as impressions_day_to_date,
    cast(folded_impressions_delta as bigint) as impressions_delta,
    cast(clicks_day_to_date as bigint) as clicks_day_to_date,
    cast(folded_clicks_delta as bigint) as clicks_delta,
    cast(conversions_day_to_date as numeric(28, 6)) as conversions_day_to_date,
    cast(folded_conversions_delta as numeric(28, 6)) as conversions_delta,
    cast(conversion_value_day_to_date as numeric(28, 6)) as conversion_value_day_to_date,
    cast(folded_conversion_value_delta as numeric(28, 6)) as conversion_value_delta,
    workspace_currency,
    cast(spend_day_to_date_workspace_currency as numeric(28, 4))
        as spend_day_to_date_workspace_currency,
    cast(folded_spend_delta_workspace_currency as numeric(28, 4))
        as spend_delta_workspace_currency,
    cast(conversion_value_day_to_date_workspace_currency as numeric(28, 4))
        as conversion_value_day_to_date_workspace_currency,
    cast(folded_conversion_value_delta_workspace_currency as numeric(28, 4))
        as conversion_value_delta_workspace_currency,
    workspace_settings_fingerprint
from folded
where recency_in_bucket = 1
order by workspace_id, window_start
