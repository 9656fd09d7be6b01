{#- Attributed orders and revenue per workspace, workspace-local order day, attribution model
    and campaign, beside what the campaign spent and what its platform claimed that day. The
    shop's own channels (organic search, email, referral, direct) get a row each without spend;
    each workspace, day and model has one unattributed row, so the rows of a day and model add
    up to the net sales of the orders placed that day (their sales less their returns so far).
    Spend is on the workspace's days too: the ad hours whose start falls on the day in the
    workspace's timezone, not the ad account's day, which may be hours apart. A full rebuild on
    every build (an aggregate of two marts): a workspace day's ad hours come from two account
    days, each restated on its own (Meta re-lands 28 days), so there is no cheaper sound set of
    days to replace. -#}
{{ config(post_hook=["{{ index_by_workspace_and_date(
    'date_day',
    'date_day',
    ['attribution_model', 'channel', 'provider', 'is_attributed', 'campaign_id',
     'attributed_revenue_workspace_currency', 'attributed_orders', 'spend_workspace_currency'],
) }}"]) }}

with credits as (

    select * from {{ ref('fct_attribution_credits') }}

),

attribution_models as (

    {%- for attribution_model in attribution_models() %}
    select '{{ attribution_model }}' as attribution_model
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

attributed as (

    select
        workspace_id,
        order_date as date_day,
        attribution_model,
        channel,
        provider,
        campaign_id,
        sum(credit) as attributed_orders,
        sum(credited_revenue_workspace_currency) as attributed_revenue
    from credits
    where is_attributed
    group by workspace_id, order_date, attribution_model, channel, provider, campaign_id

),

order_days as (

    select distinct workspace_id, order_date as date_day
    from {{ ref('fct_orders') }}
    where counts_as_revenue

),

unattributed as (

    select
        workspace_id,
        order_date as date_day,
        attribution_model,
        sum(credit) as unattributed_orders,
        sum(credited_revenue_workspace_currency) as unattributed_revenue
    from credits
    where not is_attributed
    group by workspace_id, order_date, attribution_model

),

ad_days as (

    select
        workspace_id,
        workspace_date_day as date_day,
        platform as provider,
        campaign_id,
        max(campaign_name) as campaign_name,
        sum(spend_workspace_currency) as spend,
        sum(conversions) as platform_conversions,
        sum(conversion_value_workspace_currency) as platform_conversion_value
    from {{ ref('fct_ad_reporting_hourly') }}
    group by workspace_id, workspace_date_day, platform, campaign_id

),

ad_days_by_model as (

    select ad_days.*, attribution_models.attribution_model
    from ad_days
    cross join attribution_models

),

paid_rows as (

    select
        coalesce(attributed.workspace_id, ad_days_by_model.workspace_id) as workspace_id,
        coalesce(attributed.date_day, ad_days_by_model.date_day) as date_day,
        coalesce(attributed.attribution_model, ad_days_by_model.attribution_model)
            as attribution_model,
        true as is_attributed,
        coalesce(
            attributed.channel,
            case ad_days_by_model.provider
                when 'meta_ads' then 'meta_paid'
                when 'google_ads' then 'google_paid'
            end
        ) as channel,
        coalesce(attributed.provider, ad_days_by_model.provider) as provider,
        coalesce(attributed.campaign_id, ad_days_by_model.campaign_id) as campaign_id,
        ad_days_by_model.campaign_name,
        coalesce(attributed.attributed_orders, 0) as attributed_orders,
        coalesce(attributed.attributed_revenue, 0) as attributed_revenue,
        coalesce(ad_days_by_model.spend, 0) as spend,
        coalesce(ad_days_by_model.platform_conversions, 0) as platform_conversions,
        coalesce(ad_days_by_model.platform_conversion_value, 0) as platform_conversion_value
    from (select * from attributed where provider is not null) as attributed
    full outer join ad_days_by_model
        on attributed.workspace_id = ad_days_by_model.workspace_id
        and attributed.date_day = ad_days_by_model.date_day
        and attributed.attribution_model = ad_days_by_model.attribution_model
        and attributed.provider = ad_days_by_model.provider
        and attributed.campaign_id = ad_days_by_model.campaign_id

),

own_channel_rows as (

    select
        workspace_id,
        date_day,
        attribution_model,
        true as is_attributed,
        channel,
        provider,
        campaign_id,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        attributed_orders,
        attributed_revenue,
        0 as spend,
        0 as platform_conversions,
        0 as platform_conversion_value
    from attributed
    where provider is null

),

unattributed_rows as (

    select
        order_days.workspace_id,
        order_days.date_day,
        attribution_models.attribution_model,
        false as is_attributed,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as provider,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        coalesce(unattributed.unattributed_orders, 0) as attributed_orders,
        coalesce(unattributed.unattributed_revenue, 0) as attributed_revenue,
        0 as spend,
        0 as platform_conversions,
        0 as platform_conversion_value
    from order_days
    cross join attribution_models
    left join unattributed
        on order_days.workspace_id = unattributed.workspace_id
        and order_days.date_day = unattributed.date_day
        and attribution_models.attribution_model = unattributed.attribution_model

),

all_rows as (

    select * from paid_rows
    union all
    select * from own_channel_rows
    union all
    select * from unattributed_rows

)

select
    all_rows.workspace_id,
    all_rows.date_day,
    all_rows.attribution_model,
    all_rows.is_attributed,
    all_rows.channel,
    all_rows.provider,
    all_rows.campaign_id,
    -- The campaign's name that day as its platform reported it, else its latest name, else
    -- utm_campaign (the shop's own channels).
    coalesce(all_rows.campaign_name, campaign_names.campaign_name, all_rows.campaign_id)
        as campaign_name,
    workspaces.currency as workspace_currency,
    cast(all_rows.attributed_orders as numeric(38, 15)) as attributed_orders,
    {{ cast_money('all_rows.attributed_revenue') }} as attributed_revenue_workspace_currency,
    {{ cast_money('all_rows.spend') }} as spend_workspace_currency,
    cast(all_rows.platform_conversions as numeric(38, 6)) as platform_conversions,
    {{ cast_money('all_rows.platform_conversion_value') }}
        as platform_conversion_value_workspace_currency
from all_rows
inner join {{ ref('int_workspaces') }} as workspaces
    on all_rows.workspace_id = workspaces.workspace_id
left join {{ ref('int_campaign_names') }} as campaign_names
    on all_rows.workspace_id = campaign_names.workspace_id
    and all_rows.provider = campaign_names.provider
    and all_rows.campaign_id = campaign_names.campaign_id
order by all_rows.workspace_id, all_rows.date_day, all_rows.attribution_model
