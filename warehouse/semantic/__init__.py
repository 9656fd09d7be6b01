"""The dbt semantic layer as readers use it: metrics compiled to SQL by MetricFlow."""
