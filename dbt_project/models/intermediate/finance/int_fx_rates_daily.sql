{{ config(materialized='table') }}

-- The seed follows the ECB reference-rate convention: one row per publishing day with
-- `1 base_currency = rate quote_currency`, base always EUR, nothing on weekends and TARGET
-- holidays. Every other pair is crossed through EUR, and a day without publication carries
-- the last published rate forward (what the ECB recommends for non-publishing days).
with published as (

    select
        rate_date,
        upper(base_currency) as base_currency,
        upper(quote_currency) as quote_currency,
        rate
    from {{ ref('fx_rates') }}

),

calendar as (

    select cast(calendar_day as date) as rate_date
    from generate_series(
        cast((select min(rate_date) from published) as timestamp),
        cast(current_date + 1 as timestamp),
        interval '1 day'
    ) as days (calendar_day)

),

currencies as (

    select distinct base_currency as currency from published
    union
    select distinct quote_currency from published

),

-- Units of each currency per 1 EUR, on the days it was published (EUR itself is 1).
per_euro_published as (

    select rate_date, quote_currency as currency, rate as per_euro
    from published
    union all
    select distinct rate_date, base_currency, cast(1 as numeric(18, 10))
    from published

),

last_publication as (

    select
        calendar.rate_date,
        currencies.currency,
        max(per_euro_published.rate_date) as published_on
    from calendar
    cross join currencies
    inner join per_euro_published
        on per_euro_published.currency = currencies.currency
        and per_euro_published.rate_date <= calendar.rate_date
    group by calendar.rate_date, currencies.currency

),

per_euro as (

    select
        last_publication.rate_date,
        last_publication.currency,
        per_euro_published.per_euro
    from last_publication
    inner join per_euro_published
        on per_euro_published.currency = last_publication.currency
        and per_euro_published.rate_date = last_publication.published_on

)

select
    from_rates.rate_date,
    from_rates.currency as from_currency,
    to_rates.currency as to_currency,
    -- 1 from_currency = rate to_currency. DuckDB divides DECIMALs in DOUBLE; ten decimals are
    -- well inside a double's precision, so both adapters round to the same value.
    cast(
        case
            when from_rates.currency = to_rates.currency then 1
            else to_rates.per_euro / from_rates.per_euro
        end as numeric(18, 10)
    ) as rate
from per_euro as from_rates
inner join per_euro as to_rates on from_rates.rate_date = to_rates.rate_date
order by from_rates.rate_date, from_currency, to_currency
