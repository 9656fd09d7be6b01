"""Meta, simulated: the ad accounts' delivery model, its fault knobs, and the Graph API routes."""
