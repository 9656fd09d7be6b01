# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
# The first call bootstraps uv into .tools/ (from PyPI) and the locked environment into .venv/.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv

.PHONY: demo test lint format env

demo: $(VENV)/.synced
	$(VENV)/bin/metricx demo $(ARGS)

# Two workers, each building one backend's pipeline run; the DuckDB run's tests then spread over
# both (tests/parallel.py). PYTEST_WORKERS=0 runs the suite in this process.
PYTEST_WORKERS ?= 2

test: $(VENV)/.synced lint
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

env: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@
