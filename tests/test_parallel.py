"""The suite's spread over xdist workers (tests.parallel), on a miniature suite of the same shape:
a session run per backend, tests that read one or both, and cheap tests beside them."""

from __future__ import annotations

from collections import defaultdict

import pytest

CONFTEST = """
import os
import pytest

pytest_plugins = ("tests.parallel",)


def log(line):
    with open(os.environ["RUN_LOG"], "a") as out:
        out.write(f"{os.environ['PYTEST_XDIST_WORKER']} {line}\\n")


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def pipeline_run(request):
    log(f"built {request.param}")
    return request.param


@pytest.fixture
def run_backend(pipeline_run):
    return pipeline_run
"""

BOTH_BACKENDS = """
import pytest
from conftest import log


@pytest.mark.parametrize("case", range(6))
def test_direct(pipeline_run, case):
    log(f"test {pipeline_run}")


@pytest.mark.parametrize("case", range(6))
def test_through_another_fixture(run_backend, case):
    log(f"test {run_backend}")
"""

ONE_BACKEND = """
import pytest
from conftest import log

pytestmark = pytest.mark.parametrize("pipeline_run", ["{backend}"], indirect=True, scope="session")


@pytest.mark.parametrize("case", range(3))
def test_one(pipeline_run, case):
    log(f"test {{pipeline_run}}")
"""

CHEAP = """
import pytest
from conftest import log


@pytest.mark.parametrize("case", ["duckdb", "postgres", "sqlite"])
def test_cheap(case):
    log("test cheap")
"""


def test_each_pipeline_run_is_built_once_and_read_on_its_worker_only(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_both=BOTH_BACKENDS,
        test_duckdb_only=ONE_BACKEND.format(backend="duckdb"),
        test_postgres_only=ONE_BACKEND.format(backend="postgres"),
        **{f"test_cheap_{n}": CHEAP for n in range(4)},
    )
    run_log = pytester.path / "run.log"
    monkeypatch.setenv("RUN_LOG", str(run_log))

    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist", "loadscope", "-p", "no:cacheprovider"
    )

    result.assert_outcomes(passed=2 * 12 + 2 * 3 + 4 * 3)
    built: dict[str, list[str]] = defaultdict(list)
    read_on: dict[str, set[str]] = defaultdict(set)
    for line in run_log.read_text().splitlines():
        worker, event, what = line.split()
        if event == "built":
            built[what].append(worker)
        else:
            read_on[what].add(worker)
    assert {backend: len(workers) for backend, workers in built.items()} == {
        "duckdb": 1,
        "postgres": 1,
    }
    assert read_on["duckdb"] == set(built["duckdb"])
    assert read_on["postgres"] == set(built["postgres"])
    # One run per worker, both started at once.
    assert built["duckdb"] != built["postgres"]
