{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['workspace_id', 'currency'],
        on_schema_change='fail',
    )
}}

-- Every currency a workspace's money has landed in (its ad accounts', its shop's), with its
-- newest landing: the currencies int_workspace_settings fingerprints the FX rates of. A currency
-- stays once seen. Incremental: the currencies landed since the newest landing built (less
-- var ads_landing_margin_minutes).
with landed as (

    select workspace_id, currency, landed_at from {{ ref('stg_meta_ads__insights_hourly') }}
    union all
    select workspace_id, currency, landed_at from {{ ref('stg_google_ads__ad_group_hourly') }}
    union all
    select workspace_id, currency, landed_at from {{ ref('stg_shopify__orders') }}

)

select workspace_id, currency, max(landed_at) as last_landed_at
from landed
where currency is not null
{% if is_incremental() %}
    and landed_at > {{ landing_mark('ads_landing_margin_minutes') }}
{% endif %}
group by workspace_id, currency
