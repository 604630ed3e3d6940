# Two entry points (see README): `make demo` grades the sample class, `make test` runs the tests.
# Both build .venv first. TORCH_SPEC picks the torch build (a pip requirement).
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN = $(VENV)/bin

.PHONY: demo test lint bench clean chromium

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	# The distribution is torchgrader (issue 15: `grader` on PyPI is another project); a venv
	# from before the rename still lists a `grader` distribution of this checkout: drop it.
	$(BIN)/python -m pip uninstall -q -y grader 2>/dev/null || true
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/grader grade examples/sample_class --out results

test: $(VENV)/.installed chromium
	$(BIN)/python -m pytest

# Style and types (configured in pyproject.toml); .ci/run runs it before the tests.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# The browser tests drive Debian's Chromium; as root it is installed when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "note: no Chromium (apt-get install chromium): the browser tests will be skipped"

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) results
