# govshare: `make run` starts the demo gateway, `make test` runs the tests. Both set everything up.
VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
PORT      ?= 8080

.PHONY: run test test-fast fuzz explore bench soak faults setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(sh .ci/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/govshare demo --port $(PORT)

# The console's browser tests drive Debian's Chromium (with a CJK font), the store's tests a throwaway
# PostgreSQL cluster (Debian's server binaries): both installed here only when missing.
test: $(STAMP)
	sh .ci/install-browser
	sh .ci/install-postgres
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Everything but the tests marked slow (end-to-end runs, the benchmark smoke test, long property runs).
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS)

# The boundary fuzzers (tests and modules named *fuzz*) run deep: thousands of examples per property where
# `make test` runs a few dozen. Request side: the `govshare-deep` hypothesis profile (GOVSHARE_FUZZ=deep,
# tests/support/boundary.py); body pipeline: GOVSHARE_FUZZ_EXAMPLES (tests/gateway/masking/formats).
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	GOVSHARE_FUZZ=deep GOVSHARE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:cacheprovider -k fuzz tests/ $(PYTEST_ARGS)

explore: $(STAMP)  # property tests with fresh random examples (make test draws the same ones every run)
	GOVSHARE_HYPOTHESIS=explore $(PY) -m pytest -q -p no:cacheprovider -m "not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV)/bin/govshare bench

# Issue 13's soak (200,000 requests; REQUESTS=2000 for a short one) and fault runs, outside `make test`.
REQUESTS ?= 200000
soak: $(STAMP)
	$(PY) -m bench.soak --requests $(REQUESTS)

# Needs root for the disk-full case (a small tmpfs); KILLS=100 kill -9 rounds.
KILLS ?= 100
faults: $(STAMP)
	$(PY) -m bench.faults --kills $(KILLS)

clean:
	rm -rf $(VENV) var .pytest_cache
