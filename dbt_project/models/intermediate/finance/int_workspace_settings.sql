{{ config(materialized='table') }}

-- Each workspace's settings with a fingerprint of everything the marts derive from them: the
-- currency money is converted into, the timezone days are cut in, and the FX seed's rates of
-- the currencies converted. Every incremental mart keeps the fingerprint it built a workspace's
-- rows with and rebuilds the workspace's rows, and only them, when it changes
-- (workspaces_with_changed_settings): a change of currency or timezone in the app, or of the
-- rates in seeds/fx_rates.csv that the workspace converts with.
with workspaces as (

    select workspace_id, workspace_name, currency, timezone
    from {{ ref('int_workspaces') }}

),

converted_currencies as (

    select currencies.workspace_id, currencies.currency
    from {{ ref('int_workspace_currencies') }} as currencies
    inner join workspaces on currencies.workspace_id = workspaces.workspace_id
    where currencies.currency <> workspaces.currency

),

-- Pairs are crossed through EUR (int_fx_rates_daily), so a conversion reads the seed's EUR
-- rates of both currencies; a workspace converting nothing reads none.
seeded_currencies as (

    select workspace_id, currency from converted_currencies
    union
    select workspaces.workspace_id, workspaces.currency
    from workspaces
    where workspaces.workspace_id in (select workspace_id from converted_currencies)

),

seeded_rates as (

    select
        seeded_currencies.workspace_id,
        string_agg(
            cast(seed.rate_date as {{ dbt.type_string() }})
            || ' ' || upper(seed.base_currency)
            || ' ' || upper(seed.quote_currency)
            || ' ' || cast(seed.rate as {{ dbt.type_string() }}),
            ','
            order by seed.rate_date, upper(seed.base_currency), upper(seed.quote_currency)
        ) as rates
    from seeded_currencies
    inner join {{ ref('fx_rates') }} as seed
        on upper(seed.quote_currency) = seeded_currencies.currency
    group by seeded_currencies.workspace_id

)

select
    workspaces.workspace_id,
    workspaces.workspace_name,
    workspaces.currency,
    workspaces.timezone,
    md5(
        workspaces.currency || '|' || workspaces.timezone || '|' || coalesce(seeded_rates.rates, '')
    ) as settings_fingerprint
from workspaces
left join seeded_rates on workspaces.workspace_id = seeded_rates.workspace_id
