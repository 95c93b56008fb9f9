# mkmw-flows: `make demo` runs the demo against the bundled emulators; `make test` runs the suite
# (tests/, then the bench harness's own checks in bench/tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install lint test demo bench clean

$(STAMP): pyproject.toml mkmw_emulators/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./mkmw_emulators -e '.[dev,emulators]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check mkmw_flows mkmw_emulators tests bench deployments docs
	$(BIN)/mypy

test: lint
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/pytest
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/pytest bench/tests

demo: install
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/mkmw demo

bench: install
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
