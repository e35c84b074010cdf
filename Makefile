VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The real Azure CLI for tests/acceptance, in a venv of its own: azure-cli pins many Azure
# packages (a beta azure-mgmt-authorization, exact msal) that must not meet the project's.
# azure-identity is not an azure-cli dependency; the SDK acceptance test needs it.
AZ_VENV := .venv-az
AZ_STAMP := $(AZ_VENV)/.installed
AZ_PACKAGES := azure-cli==2.91.0 azure-identity==1.27.0

.PHONY: run demo test lint typecheck pytest acceptance az bench bench-replicas clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(AZ_STAMP):
	test -x $(AZ_VENV)/bin/python || python3 -m venv $(AZ_VENV)
	$(AZ_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AZ_VENV)/bin/python -m pip install --quiet $(AZ_PACKAGES)
	touch $(AZ_STAMP)

az: $(AZ_STAMP)

run: $(STAMP)
	$(VENV)/bin/cspadmin serve --world src/cspadmin/worlds/demo.yaml

demo: $(STAMP)
	$(VENV)/bin/cspadmin demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) $(AZ_STAMP)
	$(VENV)/bin/pytest -n 2 --dist loadgroup

acceptance: $(STAMP) $(AZ_STAMP)
	$(VENV)/bin/pytest tests/acceptance

test: lint typecheck pytest

bench: $(STAMP)
	$(PY) bench/authz_bench.py

bench-replicas: $(STAMP)
	$(PY) bench/replica_bench.py

clean:
	rm -rf $(VENV) $(AZ_VENV)
