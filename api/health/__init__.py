"""Liveness and dependency checks."""
