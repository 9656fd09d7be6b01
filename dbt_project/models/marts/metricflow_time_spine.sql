{{ config(materialized='table') }}

-- One row per day, the calendar MetricFlow joins metrics onto (metric_time, cumulative metrics,
-- ratios across semantic models). Wide enough for any shop's history and a decade ahead.
select cast(calendar_day as date) as date_day
from generate_series(
    cast('2000-01-01' as timestamp),
    cast('2040-12-31' as timestamp),
    interval '1 day'
) as days (calendar_day)
order by date_day
