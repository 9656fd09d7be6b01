"""Shared building blocks of the API: errors, app-wide resources, common dependencies."""
