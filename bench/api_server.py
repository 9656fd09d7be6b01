"""The API as deployed: `uvicorn --factory api.main:create_app` in its own process, configured by
environment variables, for benchmarks that time it over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from metricx.settings import Settings

# The app imports and loads the semantic manifest (MetricFlow) before it answers: over a minute
# on a loaded 2-core machine.
START_TIMEOUT_SECONDS = 240
# The settings a benchmark's API needs: where the data is, and whom to trust for sessions.
_SERVED_SETTINGS = ("warehouse_url", "app_database_url", "secret_key", "clerk_issuer")


@dataclass(frozen=True)
class ApiServer:
    base_url: str
    pid: int

    def resident_memory_mb(self) -> tuple[float, float]:
        """The process's resident memory now and at its peak (VmRSS, VmHWM), in MiB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        kib = {
            line.split(":")[0]: int(line.split()[1])
            for line in status.splitlines()
            if line.startswith(("VmRSS:", "VmHWM:"))
        }
        return kib["VmRSS"] / 1024, kib["VmHWM"] / 1024

    def cpu_seconds(self) -> float:
        """The CPU time the process has used so far, all its threads, user and system."""
        # Fields after the command name, which is in parentheses and may hold spaces; utime and
        # stime are the 14th and 15th of the line (proc(5)), in clock ticks.
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve_api(
    settings: Settings, extra_env: Mapping[str, str] | None = None
) -> Iterator[ApiServer]:
    """One uvicorn worker serving the API on a free local port until the block ends."""
    port = _free_port()
    env = {
        **os.environ,
        **{f"METRICX_{name.upper()}": str(getattr(settings, name)) for name in _SERVED_SETTINGS},
        "METRICX_CLERK_JWKS_URL": settings.clerk_jwks_url,
        "METRICX_CLERK_AUTHORIZED_PARTIES": json.dumps(settings.clerk_authorized_parties),
        "METRICX_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--no-server-header"]
    command += ["--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=sys.stderr)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url)
        yield ApiServer(base_url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with {process.returncode} while starting")
        try:
            if httpx.get(f"{base_url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API did not answer /v1/health within {START_TIMEOUT_SECONDS} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
