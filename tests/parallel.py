"""The suite on several pytest-xdist workers (`make test` runs two), without building a pipeline
run twice.

Each worker builds every session fixture its tests ask for, and a `pipeline_run` costs about a
minute per backend, so xdist's own balancing would build both backends' runs on both workers.
Under `--dist loadscope` the unit of work here is therefore the pipeline run a test reads, and
otherwise xdist's scope, the test's module or class:

- a run whose built files a worker can copy in a second (`COPIED_RUNS`: DuckDB's warehouse file,
  its serving copy and the SQLite app database) is built once by whichever worker asks first,
  and every worker reading it copies the files (`built_once`). Its tests spread over the workers
  a module at a time (`units_of`): over 500 tests read the DuckDB run, most of the suite's time;
- any other run (PostgreSQL's: its database is its builder's, dropped when that worker's session
  ends) is one unit, whatever the modules of its tests.

One unit of each run goes out first, one per worker, so both runs build at once; then the copied
runs' other modules, and the cheap units last, to even out the ends.

Which run a test reads is known only where it is collected (its fixture closure and parameters),
and the controller collects nothing; xdist's own channel for this, the nodeid suffix of
`--dist loadgroup`, is lost on pytest 9.2 (which derives `nodeid` from `_id`). So each worker
writes the units of what it collected to a file the controller named, and the scheduler reads it
once every worker has reported its collection.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

# The workerinput key naming the file the workers write their units to.
UNITS_FILE = "metricx_units_file"

# Session fixtures parametrized per backend that are too costly to build on every worker.
SHARED_RUNS = ("pipeline_run",)
# The shared runs built by `built_once`, whose tests therefore may spread over the workers.
COPIED_RUNS = frozenset({"pipeline_run[duckdb]"})


def shared_run_of(item: pytest.Item) -> str | None:
    """The costly session fixture and parameter `item` reads, as `pipeline_run[duckdb]`."""
    callspec = getattr(item, "callspec", None)
    if not isinstance(item, pytest.Function) or callspec is None:
        return None
    for fixture in SHARED_RUNS:
        if fixture in item.fixturenames and fixture in callspec.params:
            return f"{fixture}[{callspec.params[fixture]}]"
    return None


def fixtures_made_from(item: pytest.Function, fixture: str) -> set[str]:
    """The session fixtures `item` reads that are made from `fixture`, directly or through
    others (as `shifted_run` from `pipeline_run`): each worker would build its own."""
    # pytest keeps an item's fixture closure, with each fixture's definitions, only here.
    definitions = item._fixtureinfo.name2fixturedefs
    return {
        name
        for name, overrides in definitions.items()
        if name != fixture
        and overrides[-1].scope == "session"
        and _made_from(name, fixture, definitions, set())
    }


def _made_from(
    name: str,
    fixture: str,
    definitions: Mapping[str, Sequence[pytest.FixtureDef[object]]],
    seen: set[str],
) -> bool:
    if name == fixture:
        return True
    if name in seen or name not in definitions:
        return False
    seen.add(name)
    arguments = definitions[name][-1].argnames
    return any(_made_from(argument, fixture, definitions, seen) for argument in arguments)


def units_of(items: Sequence[pytest.Item]) -> dict[str, str]:
    """The unit of each test that reads a shared run: the run; or for a copied run the run and
    the test's part of its module (`module_part`), the parts that read a session fixture made
    from the run being one unit (named after the first of them)."""
    run_of: dict[str, str] = {}
    part_of: dict[str, str] = {}
    # Module parts and the session fixtures their tests read, joined into groups (a union-find).
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for item in items:
        run = shared_run_of(item)
        if run is None:
            continue
        run_of[item.nodeid] = run
        if run not in COPIED_RUNS:
            continue
        assert isinstance(item, pytest.Function)
        part = part_of[item.nodeid] = f"{run} {module_part(item)}"
        for fixture in fixtures_made_from(item, run.partition("[")[0]):
            # Fixture nodes sort after module nodes ("~" > "t"), so a group is named by a module.
            joined = sorted((root(part), root(f"{run} ~{fixture}")))
            parent[joined[1]] = joined[0]
    return {
        nodeid: root(part_of[nodeid]) if run in COPIED_RUNS else run
        for nodeid, run in run_of.items()
    }


def module_part(item: pytest.Function) -> str:
    """The test's module, and the parameters of the module-scoped fixtures it reads: tests with
    other parameters have fixtures of their own, so they may run on another worker (as the
    OpenAPI conformance tests on each app-database backend, minutes each)."""
    callspec = getattr(item, "callspec", None)
    definitions = item._fixtureinfo.name2fixturedefs
    parameters = (
        f"[{name}={callspec.params[name]}]"
        for name in sorted(callspec.params if callspec else ())
        if name in definitions and definitions[name][-1].scope == "module"
    )
    return item.nodeid.partition("::")[0] + "".join(parameters)


def write_units(path: Path, items: list[pytest.Item]) -> None:
    units = units_of(items)
    # Written whole then renamed: the controller must never read half a file.
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(units))
    partial.replace(path)


def run_of_unit(unit: str) -> str | None:
    """The shared run of a unit `units_of` named, None for xdist's own units."""
    run = unit.partition(" ")[0]
    return run if run.partition("[")[0] in SHARED_RUNS and run.endswith("]") else None


class _SharedRunsFirst(OrderedDict[str, dict[str, bool]]):
    """The work queue: a unit of each shared run goes out before anything else, the run with
    the most tests first, so each worker starts building one; then the shared runs' other units,
    and every other unit after them (xdist's order: the largest first), to even out the ends."""

    def __init__(self) -> None:
        super().__init__()
        self._started: set[str] = set()

    def popitem(self, last: bool = True) -> tuple[str, dict[str, bool]]:
        if last:
            return super().popitem(last)
        tests_of_run: dict[str, int] = {}
        for unit, tests in self.items():
            if (run := run_of_unit(unit)) is not None:
                tests_of_run[run] = tests_of_run.get(run, 0) + len(tests)
        if not tests_of_run:
            return super().popitem(last)
        unstarted = [run for run in tests_of_run if run not in self._started]
        runs = unstarted or list(tests_of_run)
        run = max(runs, key=tests_of_run.__getitem__)
        unit = max(
            (unit for unit in self if run_of_unit(unit) == run), key=lambda unit: len(self[unit])
        )
        self._started.add(run)
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


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A directory of this worker's own holding what `build(directory)` put in its directory:
    built by whichever worker of the session asks first while any other asking waits, then
    copied by each, so a test may change its worker's copy without another worker seeing it."""
    shared = session_directory(tmp_path_factory)
    built = shared / f"{name}.built"
    complete = built / ".complete"
    with _exclusive(shared / f"{name}.lock"):
        if not complete.exists():
            # What a failed build left is built again: every worker reports the failure.
            shutil.rmtree(built, ignore_errors=True)
            built.mkdir()
            build(built)
            complete.touch()
    copy = tmp_path_factory.mktemp(name)
    shutil.copytree(built, copy, ignore=shutil.ignore_patterns(complete.name), dirs_exist_ok=True)
    return copy


def session_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory every worker of the session sees: the session's basetemp, of which each
    xdist worker's own (`popen-gw0`, ...) is a folder."""
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    with lock.open("a") as handle:
        # Released when the file closes, also when the process dies holding it.
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


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
