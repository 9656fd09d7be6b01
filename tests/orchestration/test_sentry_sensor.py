"""A failed run reaches Sentry: the sensor sends a real envelope to a Sentry-compatible
endpoint on loopback."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import sentry_sdk
from dagster import DagsterInstance, asset, build_run_status_sensor_context, materialize

from orchestration.sensors import build_sentry_failure_sensor


class _Ingest(BaseHTTPRequestHandler):
    received: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body.decode())
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sentry_ingest() -> Iterator[tuple[str, list[str]]]:
    _Ingest.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ingest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_port}/1", _Ingest.received
    server.shutdown()
    sentry_sdk.get_client().close()


def test_a_failed_run_is_reported_with_its_job_and_run_id(
    sentry_ingest: tuple[str, list[str]],
) -> None:
    dsn, received = sentry_ingest
    sensor = build_sentry_failure_sensor(dsn)

    @asset
    def broken_landing() -> None:
        raise RuntimeError("the platform answered 500 three times")

    with DagsterInstance.ephemeral() as instance:
        result = materialize([broken_landing], instance=instance, raise_on_error=False)
        assert not result.success
        context = build_run_status_sensor_context(
            sensor_name=sensor.name,
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(result.run_id),
            dagster_event=result.get_run_failure_event(),
        ).for_run_failure()
        sensor(context)

    assert any(result.run_id in envelope for envelope in received)
    assert any("__ephemeral_asset_job__" in envelope for envelope in received)
