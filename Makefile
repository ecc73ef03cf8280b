# Scribe: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS ?= never
PYTHON ?= python3
# uv from PATH, else a private copy in .uv-bootstrap/ (a virtualenv of its own: works where the
# system python3 is "externally managed" (PEP 668) and `pip install uv` is refused).
UV_BOOTSTRAP := .uv-bootstrap
UV := $(or $(shell command -v uv 2>/dev/null),$(UV_BOOTSTRAP)/bin/uv)
VENV := .venv/bin
NO_PYTHON_313 := make: Scribe needs Python 3.13 and none was found on PATH \
  (install it, e.g. 'pyenv install 3.13' or 'apt install python3.13', then run make again)

.PHONY: install run test lint format migrate worker api flower emulator bench chaos clean

# Compiled bytecode, as deploy.sh installs it: where .pyc files cannot be written (PYTHONDONTWRITEBYTECODE,
# read-only trees) every process a test starts compiled each module it imported, and a compile holds
# the GIL (up to 155 ms at a time for the API's first template: /health waited behind it).
install: $(UV) ## create .venv and install locked dependencies (bootstraps uv)
	@$(UV) --version >/dev/null
	@$(UV) python find >/dev/null 2>&1 || { echo "$(NO_PYTHON_313)" >&2; exit 1; }
	@$(UV) sync --frozen --quiet --compile-bytecode

$(UV_BOOTSTRAP)/bin/uv:
	@echo "uv not found on PATH: installing it into $(UV_BOOTSTRAP)/ (the system Python is left untouched)"
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; install Python 3 or uv first" >&2; exit 1; }
	@$(PYTHON) -m venv $(UV_BOOTSTRAP) && $(UV_BOOTSTRAP)/bin/python -m pip install --quiet uv \
	  || { rm -rf $(UV_BOOTSTRAP); echo "make: could not install uv into $(UV_BOOTSTRAP)/ (on Debian/Ubuntu: apt install python3-venv), or install uv: https://docs.astral.sh/uv/" >&2; exit 1; }

migrate: install
	$(VENV)/alembic upgrade head

run: install ## API :8000, worker, Flower :5555 (+ provider emulator :8765 when no keys)
	@$(VENV)/python -m services.devrun

test: install ## the whole suite (PostgreSQL/Redis tests run when TEST_DATABASE_URL / TEST_REDIS_URL are set)
	$(VENV)/pytest -q --ignore=tests/chaos $(PYTEST_ARGS)

chaos: install ## fault injection (kill/stop workers, restart Redis/PostgreSQL, flaky providers), ~5 min
	$(VENV)/pytest -q -p tests.chaos.plugin tests/chaos $(PYTEST_ARGS)

.PHONY: eval
eval: install ## the email evaluation set against the provider emulator: prints the table, fails on a must-be-0 row
	$(VENV)/python -m tests.eval $(EVAL_ARGS)

lint: install
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy .

format: install
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache

bench: install ## original design vs Scribe defaults on the emulator (seed latencies); prints figures, ~15 min
	TEST_DATABASE_URL="$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}" \
	TEST_REDIS_URL="$${TEST_REDIS_URL:-redis://127.0.0.1:6379/14}" $(VENV)/python -m tests.bench
