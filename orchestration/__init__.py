"""metricx's Dagster code: the code location, its assets, jobs, schedules and sensors.

Importing it changes nothing: the code location is built when Dagster loads
`orchestration.definitions:defs`, and the processes that store run events apply
`orchestration.event_bookkeeping` from their entry points.
"""
