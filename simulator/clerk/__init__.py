"""Clerk, simulated: the session tokens the dashboard's sign-in hands metricx's API."""
