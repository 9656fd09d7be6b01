"""Google Ads, simulated: the ad groups' delivery model, its fault knobs, OAuth and the API."""
