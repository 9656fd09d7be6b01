"""How recent each connection's published data is, and which are behind."""
