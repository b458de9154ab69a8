# Minhu: `make up` runs the system, `make test` runs every test; both set up what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
STACK := $(PY) deploy/stack.py
PYTEST := deploy/pytest.sh

.PHONY: help bootstrap up down status demo test test-unit test-integration test-e2e lint \
        proto bench chaos classify train logs dlq

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

bootstrap: ## fetch and build everything (Debian packages, .venv, ECharts, Kafka jars, Temporal CLI)
	@deploy/bootstrap.sh all

up: bootstrap ## start servers, the five services and demo data, then print the URLs
	@$(STACK) up
	@$(PY) deploy/demo.py --once
	@$(STACK) urls

down: ## stop everything `make up` started
	@if [ -x $(PY) ]; then $(STACK) down; fi

status: ## show which processes run
	@$(STACK) status

demo: ## post a few realistic cases to the running stack
	@$(PY) deploy/demo.py

logs: ## follow the services' logs
	@tail -F var/dev/log/{intake,dispatch,sla,notify,desk}.log

lint: bootstrap ## ruff and mypy
	@.venv/bin/ruff check services deploy tests bench
	@.venv/bin/ruff format --check services deploy tests bench
	@.venv/bin/mypy services deploy/*.py

test-unit: bootstrap ## pure-logic tests, no servers
	@$(PYTEST) tests/unit

test-integration: bootstrap ## tests against the real servers of the test profile
	@$(PYTEST) --stack tests/integration tests/e2e tests/browser

test: bootstrap lint ## everything: lint, unit, then integration and end-to-end on a fresh test stack
	@$(PYTEST) tests/unit
	@$(PYTEST) --stack tests/integration tests/e2e tests/browser

proto: ## regenerate Python code from proto/
	@proto/generate.sh

classify: ## classify JSON lines (title, text) like dispatch does: make -s classify IN=FILE.jsonl
	@test -n "$(IN)" || { echo "usage: make -s classify IN=FILE.jsonl" >&2; exit 2; }
	@$(PY) -m services.dispatch.cli "$(IN)"

dlq: ## dead letters and dead deliveries: list them, or send them again (REPLAY=ids|all, REASON=word)
	@eval "$$($(STACK) env)" && $(PY) deploy/dlq.py --replay "$(REPLAY)" --reason "$(REASON)"

train: ## retrain dispatch's topic model on the corpus and the running stack's history (a new version, in shadow)
	@eval "$$($(STACK) env)" && $(PY) -m services.dispatch.learning train

bench: bootstrap ## the bench harness on a fresh stack (QUICK=1: under 5 minutes); report in var/bench/
	@QUICK=$(QUICK) deploy/bench.sh

chaos: bootstrap ## the fault drill on a fresh stack (QUICK=1: short); table in var/chaos/, exit 1 on a loss
	@QUICK=$(QUICK) deploy/chaos.sh
