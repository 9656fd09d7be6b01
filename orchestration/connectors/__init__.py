"""Clients for the ad and shop platforms metricx ingests from, one package per platform."""
