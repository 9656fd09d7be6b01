"""One JSON line per measured figure, with the machine it was measured on."""

from __future__ import annotations

import json
import os
import platform
import sys
from functools import cache
from pathlib import Path
from typing import Any


@cache
def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "processor": platform.machine(),
        # Figures move with the CPU more than with anything else here (the same code's dashboard
        # took 1.8x as long on one 2-vCPU host as on another): name it.
        "cpu_model": _cpu_model(),
    }


def _cpu_model() -> str | None:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux
        return platform.processor() or None
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return None


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
