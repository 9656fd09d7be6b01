{#- Each ad campaign's latest name as its platform reports it, for the touchpoints and the
    attributed performance: a view, so a rename shows everywhere at once (the credits, which are
    incremental, keep the campaign id only). -#}
select workspace_id, provider, campaign_id, campaign_name
from (
    select
        workspace_id,
        provider,
        campaign_id,
        campaign_name,
        row_number() over (
            partition by workspace_id, provider, campaign_id
            order by report_date desc, hour_of_day desc
        ) as recency
    from {{ ref('int_ad_hourly') }}
    where campaign_id is not null
) as named_campaigns
where recency = 1
