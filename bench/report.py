"""One JSON line per measured figure, with the machine it was measured on."""

from __future__ import annotations

import json
import os
import platform
import sys
from functools import cache
from typing import Any


@cache
def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "processor": platform.machine(),
    }


def emit(name: str, value: float, unit: str, *, backend: str, **parameters: Any) -> None:
    line = {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "backend": backend,
        "parameters": parameters,
        "machine": machine(),
    }
    # The real stdout: while a benchmark runs, everything else printed goes to stderr (see
    # bench/__main__.py), so stdout carries only these lines.
    print(json.dumps(line, sort_keys=True), file=sys.__stdout__, flush=True)
