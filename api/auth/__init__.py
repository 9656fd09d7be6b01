"""Authentication: Clerk session tokens → the calling metricx user."""
