"""Clerk: the job that reconciles the app database's users with Clerk's list."""
