# The two commands of the README: `make demo` and `make test`. Each does the whole set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint typecheck pytest system-deps benchmark clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/abkit demo --out abkit-demo

# What the tests need beyond Python: Chromium for the browser test, Java for Spark. Installed when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check abkit tests benchmarks
	$(VENV)/bin/ruff format --check abkit tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

pytest: $(VENV)/.installed-dev system-deps
	$(PY) -m pytest -q -m "" --doctest-modules abkit tests --durations=15

test: lint typecheck pytest

clean:
	rm -rf $(VENV) abkit-demo .pytest_cache .mypy_cache .ruff_cache
