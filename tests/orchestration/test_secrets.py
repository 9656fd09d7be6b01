"""Secrets that come from the environment reach the runs but not the UI: the code location's
snapshot (what the webserver shows and stores) names the variable, never its value."""

from __future__ import annotations

import pytest
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value

from metricx.settings import Settings
from orchestration.definitions import build_definitions, build_resources
from orchestration.defs.google_ads.resources import GoogleAdsApiResource

SECRETS = {
    "METRICX_GOOGLE_ADS_DEVELOPER_TOKEN": "dev-token-4f1c",
    "METRICX_GOOGLE_OAUTH_CLIENT_SECRET": "client-secret-9b2e",
    "METRICX_SECRET_KEY": "Z2VuZXJhdGVkLWZlcm5ldC1rZXktZm9yLXRlc3RzLTA=",
    "METRICX_WAREHOUSE_URL": "postgresql://metricx:pg-password-77@db:5432/warehouse",
}


def test_environment_secrets_stay_out_of_the_code_location_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    snapshot = serialize_value(
        RepositorySnap.from_def(build_definitions(Settings()).get_repository_def())
    )
    for name, value in SECRETS.items():
        assert value not in snapshot
        assert name in snapshot


def test_runs_still_get_the_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    resource = build_resources(Settings())["google_ads_api"]
    assert isinstance(resource, GoogleAdsApiResource)
    initialized = resource.process_config_and_initialize()
    assert initialized.developer_token == SECRETS["METRICX_GOOGLE_ADS_DEVELOPER_TOKEN"]
    assert initialized.oauth_client_secret == SECRETS["METRICX_GOOGLE_OAUTH_CLIENT_SECRET"]


def test_values_set_in_code_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICX_GOOGLE_OAUTH_CLIENT_SECRET", raising=False)
    resource = build_resources(Settings(google_oauth_client_secret="from-code"))["google_ads_api"]
    assert isinstance(resource, GoogleAdsApiResource)
    assert resource.process_config_and_initialize().oauth_client_secret == "from-code"
