"""The merchant web app: its sign-in settings, and its built files served at `/`."""
