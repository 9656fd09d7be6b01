"""Settings merchants keep in the app database, copied into the warehouse for the models."""

from orchestration.defs.app_database.assets import app_workspaces

APP_DATABASE_ASSETS = [app_workspaces]
