"""Platform administration: routes for the operators named in METRICX_PLATFORM_ADMINS."""
