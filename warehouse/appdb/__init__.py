"""The app database: users, workspaces, memberships and platform connections."""
