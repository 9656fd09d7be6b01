"""The suite's spread over xdist workers (tests.parallel), on a miniature suite of the same shape:
a session run per backend (DuckDB's copied, PostgreSQL's not), tests that read one or both or a
session fixture made from a run, and cheap tests beside them."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

CONFTEST = """
import os
import time

import pytest

from tests.parallel import COPIED_RUNS, built_once

pytest_plugins = ("tests.parallel",)


def log(*words):
    with open(os.environ["RUN_LOG"], "a") as out:
        out.write(" ".join([os.environ["PYTEST_XDIST_WORKER"], *words]) + "\\n")


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def pipeline_run(request, tmp_path_factory):
    backend = request.param
    if f"pipeline_run[{backend}]" not in COPIED_RUNS:
        log("built", backend)
        return backend

    def build(directory):
        log("built", backend)
        # Long enough for the other worker to ask for the run meanwhile.
        time.sleep(1)
        (directory / "run").write_text(backend)

    directory = built_once(tmp_path_factory, f"run-{backend}", build)
    log("copied", backend)
    return (directory / "run").read_text()


@pytest.fixture(scope="session")
def derived_run(pipeline_run):
    log("derived", pipeline_run)
    return pipeline_run


@pytest.fixture
def run_backend(pipeline_run):
    return pipeline_run
"""

BOTH_BACKENDS = """
import pytest
from conftest import log


@pytest.mark.parametrize("case", range(6))
def test_direct(pipeline_run, case):
    log("test", pipeline_run, __name__)


@pytest.mark.parametrize("case", range(6))
def test_through_another_fixture(run_backend, case):
    log("test", run_backend, __name__)
"""

ONE_BACKEND = """
import time

import pytest
from conftest import log

pytestmark = pytest.mark.parametrize("pipeline_run", ["{backend}"], indirect=True, scope="session")


@pytest.mark.parametrize("case", range(3))
def test_one(pipeline_run, case):
    time.sleep(0.2)
    log("test", pipeline_run, __name__)
"""

DERIVED = """
import pytest
from conftest import log


@pytest.mark.parametrize("case", range(2))
def test_derived(derived_run, case):
    log("test", derived_run, __name__)


def test_beside_it(pipeline_run):
    log("test", pipeline_run, __name__)
"""

# On the copied run: a module whose module-scoped fixture has a parameter per app backend.
PARTS = """
import pytest
from conftest import log

pytestmark = pytest.mark.parametrize("pipeline_run", ["duckdb"], indirect=True, scope="session")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request, pipeline_run):
    log("served", request.param)
    return request.param


@pytest.mark.parametrize("case", range(3))
def test_part(served, case):
    log("test", "duckdb", f"{__name__}[{served}]")
"""

CHEAP = """
import pytest
from conftest import log


@pytest.mark.parametrize("case", ["duckdb", "postgres", "sqlite"])
def test_cheap(case):
    log("test", "cheap", __name__)
"""


def test_each_run_is_built_once_and_only_the_copied_one_spreads(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_both=BOTH_BACKENDS,
        **{f"test_duckdb_only_{n}": ONE_BACKEND.format(backend="duckdb") for n in range(4)},
        test_postgres_only=ONE_BACKEND.format(backend="postgres"),
        test_derived_a=DERIVED,
        test_derived_b=DERIVED,
        test_parts=PARTS,
        **{f"test_cheap_{n}": CHEAP for n in range(4)},
    )
    run_log = pytester.path / "run.log"
    monkeypatch.setenv("RUN_LOG", str(run_log))

    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist", "loadscope", "-p", "no:cacheprovider"
    )

    result.assert_outcomes(passed=2 * 12 + 4 * 3 + 3 + 2 * 2 * 3 + 2 * 3 + 4 * 3)
    events: Counter[tuple[str, str, str]] = Counter()
    read_on: dict[str, set[str]] = defaultdict(set)
    modules_on: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in run_log.read_text().splitlines():
        worker, event, what, *module = line.split()
        if event == "test":
            read_on[what].add(worker)
            modules_on[what, module[0]].add(worker)
        else:
            events[event, what, worker] += 1
    built = {(what, worker) for event, what, worker in events if event == "built"}
    assert sorted(what for what, _ in built) == ["duckdb", "postgres"], events
    # Both runs build at once, one per worker.
    assert len({worker for _, worker in built}) == 2
    (postgres_worker,) = [worker for what, worker in built if what == "postgres"]
    assert read_on["postgres"] == {postgres_worker}
    # The copied run's modules are spread over both workers, each copying it once.
    assert read_on["duckdb"] == {"gw0", "gw1"}
    assert {worker for event, what, worker in events if (event, what) == ("copied", "duckdb")} == {
        "gw0",
        "gw1",
    }
    assert all(count == 1 for count in events.values()), events
    # A module stays on one worker (a copied run's module with a module-scoped fixture's
    # parameters, one worker per parameter: each makes its fixture once), and so do the modules
    # reading a fixture made from the run, which is made once per run.
    assert all(len(workers) == 1 for workers in modules_on.values()), modules_on
    assert modules_on["duckdb", "test_derived_a"] == modules_on["duckdb", "test_derived_b"]
    assert sorted(what for event, what, _ in events if event == "derived") == [
        "duckdb",
        "postgres",
    ]
    assert sorted(what for event, what, _ in events if event == "served") == ["postgres", "sqlite"]
