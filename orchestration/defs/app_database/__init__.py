"""Settings merchants keep in the app database, copied into the warehouse for the models."""
