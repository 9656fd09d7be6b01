"""Serving the API with uvicorn, as `metricx api` and the demo do."""

from __future__ import annotations

import uvicorn


def serve_api(host: str, port: int) -> None:
    # log_config=None: uvicorn's loggers propagate to the root handler configure_logging set.
    # No `server: uvicorn` banner: it tells a scanner what to try.
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        server_header=False,
    )
