"""The suite on several pytest-xdist workers (`make test` runs two), without building a pipeline
run twice.

Each worker builds every session fixture its tests ask for, and a `pipeline_run` costs about a
minute per backend, so xdist's own balancing would build both backends' runs on both workers.
Under `--dist loadscope` the unit of work here is therefore the pipeline run a test reads (every
test on `pipeline_run[duckdb]`, whatever its module, is one unit) and otherwise xdist's scope, the
test's module or class. The two runs are handed out first, one per worker, and the other units
fill the gaps.

Which run a test reads is known only where it is collected (its fixture closure and parameters),
and the controller collects nothing; xdist's own channel for this, the nodeid suffix of
`--dist loadgroup`, is lost on pytest 9.2 (which derives `nodeid` from `_id`). So each worker
writes the units of what it collected to a file the controller named, and the scheduler reads it
once every worker has reported its collection.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict
from pathlib import Path

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

# The workerinput key naming the file the workers write their units to.
UNITS_FILE = "metricx_units_file"

# Session fixtures parametrized per backend that are too costly to build on every worker.
SHARED_RUNS = ("pipeline_run",)


def shared_run_of(item: pytest.Item) -> str | None:
    """The costly session fixture and parameter `item` reads, as `pipeline_run[duckdb]`."""
    callspec = getattr(item, "callspec", None)
    if not isinstance(item, pytest.Function) or callspec is None:
        return None
    for fixture in SHARED_RUNS:
        if fixture in item.fixturenames and fixture in callspec.params:
            return f"{fixture}[{callspec.params[fixture]}]"
    return None


def write_units(path: Path, items: list[pytest.Item]) -> None:
    units = {item.nodeid: unit for item in items if (unit := shared_run_of(item))}
    # Written whole then renamed: the controller must never read half a file.
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(units))
    partial.replace(path)


class _SharedRunsFirst(OrderedDict[str, dict[str, bool]]):
    """The work queue: the shared runs go out before every other unit, the largest first, so
    each worker starts on one and the cheap units even out the ends."""

    def popitem(self, last: bool = True) -> tuple[str, dict[str, bool]]:
        runs = [unit for unit in self if unit.partition("[")[0] in SHARED_RUNS]
        if last or not runs:
            return super().popitem(last)
        unit = max(runs, key=lambda run: len(self[run]))
        return unit, self.pop(unit)


class SharedRunScheduling(LoadScopeScheduling):
    """xdist's `loadscope` with a test's shared run as its scope when it has one."""

    def __init__(self, config: pytest.Config, log: Producer, units_dir: Path) -> None:
        super().__init__(config, log)
        self.workqueue = _SharedRunsFirst()
        self._units_dir = units_dir
        self._units: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._units is None:
            # Scopes are first asked for once every worker has reported its collection, which
            # each sends after writing its file; the collections are identical, so one is read.
            worker = next(iter(self.registered_collections))
            self._units = json.loads(units_file(self._units_dir, worker).read_text())
        return self._units.get(nodeid) or super()._split_scope(nodeid)


def units_file(units_dir: Path, worker: WorkerController) -> Path:
    return units_dir / f"{worker.gateway.id}.json"


# The hooks are optional: the suite also runs with `-p no:xdist`.
_units_dir = pytest.StashKey[tempfile.TemporaryDirectory[str]]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: WorkerController) -> None:
    stash = node.config.stash
    if _units_dir not in stash:
        stash[_units_dir] = tempfile.TemporaryDirectory(prefix="metricx-xdist-")
    node.workerinput[UNITS_FILE] = str(units_file(Path(stash[_units_dir].name), node))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> SharedRunScheduling | None:
    if config.getoption("dist") != "loadscope" or _units_dir not in config.stash:
        return None
    return SharedRunScheduling(config, log, Path(config.stash[_units_dir].name))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput and UNITS_FILE in workerinput:
        write_units(Path(workerinput[UNITS_FILE]), items)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _units_dir in config.stash:
        config.stash[_units_dir].cleanup()
