"""The built web app at `/`: its files, `index.html` for the app's own paths, and the API's
paths left to the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web.static import mount_web_app


def _app_with(dist: Path) -> TestClient:
    app = FastAPI()

    @app.get("/v1/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    @app.post("/v1/invitations")
    def invite() -> dict[str, str]:
        return {"invited": "yes"}

    mount_web_app(app, dist)
    return TestClient(app)


def _built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>metricx</title>")
    (dist / "assets" / "index-abc.js").write_text("console.log(1)")
    (dist / "favicon.svg").write_text("<svg/>")
    return dist


def test_the_apps_paths_load_its_page_and_its_files(tmp_path: Path) -> None:
    client = _app_with(_built(tmp_path))

    for path in ("/", "/sign-in", "/workspaces/w1/dashboard"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "<title>metricx</title>" in response.text
        assert response.headers["cache-control"] == "no-cache"
    assert client.get("/assets/index-abc.js").text == "console.log(1)"
    assert client.get("/favicon.svg").text == "<svg/>"


def test_api_paths_stay_the_apis(tmp_path: Path) -> None:
    client = _app_with(_built(tmp_path))

    assert client.get("/v1/ping").json() == {"pong": "yes"}
    assert client.get("/v1/nothing-here").status_code == 404
    # A method an API path does not take is refused as the API's, listing only the API's
    # methods: the app's page (a GET of any path) is no method of it.
    for method in ("GET", "OPTIONS", "DELETE"):
        refused = client.request(method, "/v1/invitations")
        assert refused.status_code == 405, method
        assert refused.headers["allow"] == "POST"
    assert client.post("/v1/invitations").json() == {"invited": "yes"}
    assert client.get("/assets/missing.js").status_code == 404
    # A path out of dist gets the app's page, never the file.
    (tmp_path / "secret.txt").write_text("not for the web")
    assert "<title>metricx</title>" in client.get("/%2E%2E/secret.txt").text


def test_without_a_build_the_api_serves_no_page(tmp_path: Path) -> None:
    client = _app_with(tmp_path / "dist")

    assert client.get("/").status_code == 404
    assert client.get("/v1/ping").status_code == 200
