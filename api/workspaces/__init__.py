"""Workspaces (tenants) and the membership check every workspace-scoped route relies on."""
