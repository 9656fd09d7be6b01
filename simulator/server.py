"""Running the simulator: in a background thread for tests, or in the foreground for the demo."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from types import TracebackType

import uvicorn

from simulator.app import create_app
from simulator.world import World

_STARTUP_TIMEOUT_SECONDS = 10.0


class SimulatorServer:
    """The simulator on a free loopback port for as long as the `with` block lasts."""

    def __init__(self, world: World, host: str = "127.0.0.1", port: int = 0) -> None:
        self.world = world
        self._host = host
        self._port = port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the simulator server is not running")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> SimulatorServer:
        # Binding here rather than inside uvicorn makes the port known before the thread runs.
        self._socket = socket.create_server((self._host, self._port))
        config = uvicorn.Config(
            create_app(self.world), log_level="warning", timeout_graceful_shutdown=5
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="simulator-server",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_STARTUP_TIMEOUT_SECONDS)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None


def serve(world: World, host: str = "127.0.0.1", port: int = 8010) -> None:
    """Run the simulator in the foreground until interrupted."""
    uvicorn.run(create_app(world), host=host, port=port, log_level="info")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the metricx third-party API simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--merchants", type=int, default=2)
    parser.add_argument("--ads-per-merchant", type=int, default=6)
    args = parser.parse_args(argv)
    world = World(seed=args.seed, merchants=args.merchants, ads_per_merchant=args.ads_per_merchant)
    serve(world, args.host, args.port)


if __name__ == "__main__":
    main()
