"""A workspace's members and invitations: who may read it, who may change it."""
