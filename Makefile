# Socialdesk: `make run` starts everything on this machine, `make test` runs every test.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV := uv
PY := $(UV) run --frozen python

.PHONY: help bootstrap run demo test unit lint validate-deploy format bench bench-pipe up down clean security

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

bootstrap:  ## install uv, the workspace and RabbitMQ if missing; start RabbitMQ
	@bash devtools/bootstrap.sh

run: bootstrap  ## start RabbitMQ, an SMTP sink and the five services (SQLite under var/); Ctrl-C stops
	@$(PY) -m devtools.run $(if $(REPLICAS),--replicas $(REPLICAS))

demo: bootstrap  ## against a running `make run`: create the example rules, post interactions, print tickets
	@$(PY) -m devtools.demo

test: bootstrap lint validate-deploy  ## lint, unit, handler, store-contract and cross-service tests on the real RabbitMQ
	@$(PY) -m pytest

security: bootstrap  ## the issue-15 attacks and Schemathesis against a stack of its own; a table of what was refused
	@$(PY) -m devtools.security $(if $(EXAMPLES),--max-examples $(EXAMPLES))

unit:  ## the tests that need no RabbitMQ
	@$(PY) -m pytest libs services

lint:  ## ruff (lint + format check) and mypy
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen mypy libs/contracts/contracts libs/servicekit/servicekit $(wildcard services/*/*/domain)

validate-deploy:  ## check deploy/ offline: compose schema, k8s manifests, alert rules and their cases, dashboard
	@$(PY) deploy/validate.py

format:  ## apply ruff's formatting and safe fixes
	@$(UV) run --frozen ruff check --fix .
	@$(UV) run --frozen ruff format .

bench: bootstrap  ## the pipeline benchmark (N=20000 by default; REPLICAS="ticketing=2" to scale)
	@$(PY) bench/pipeline.py $(if $(N),--n $(N)) $(foreach r,$(REPLICAS),--replicas $(r))

bench-pipe: bootstrap  ## only the pipeline and open-loop phases (N=4000, a 20,000-message ceiling); PROFILE=dir adds py-spy flame graphs
	@$(PY) bench/pipeline.py --n $(or $(N),4000) --ceiling-messages 20000 --skip-gateway $(if $(PROFILE),--profile $(PROFILE)) $(foreach r,$(REPLICAS),--replicas $(r))

up: deploy/.env  ## the same system in Docker: RabbitMQ, MongoDB, a mail catcher and one container per service (images from deploy/Dockerfile)
	docker compose -f deploy/compose.yaml up --build

deploy/.env:  # the Compose stack's secrets: random, written once, kept out of git
	@$(PY) deploy/make_env.py

down:  ## stop `make up`
	docker compose -f deploy/compose.yaml down

clean:  ## remove local data (SQLite files, mails) under var/
	rm -rf var

.PHONY: chaos
chaos: bootstrap  ## kill -9 a ticketing replica, the notifier, rules and the broker mid-run; count what was lost or doubled
	@$(PY) bench/chaos.py $(if $(CONVERSATIONS),--conversations $(CONVERSATIONS)) $(if $(EXPERIMENTS),--experiments $(EXPERIMENTS))

.PHONY: bench-rules
bench-rules:  ## rule evaluations per second on one core with 100, 1,000 and 10,000 rules
	@$(PY) bench/rules.py

.PHONY: bench-replies
bench-replies:  ## 2,000 replies by two ingestors, one killed with kill -9 halfway: posted twice and lost must be 0
	@$(PY) bench/replies.py $(if $(N),--replies $(N))

.PHONY: bench-webhooks
bench-webhooks:  ## signed Meta webhooks (1 and 50 entries) against POST /v1/interactions on one ingestor
	@$(PY) bench/webhooks.py $(if $(SECONDS),--seconds $(SECONDS))

.PHONY: bench-sla
bench-sla:  ## SLA: the due scan per pass on 10,000 vs 100,000 open tickets, the list with vs without clocks
	@$(PY) bench/sla.py $(if $(N),--tickets $(N))
.PHONY: bench-reports
bench-reports:  ## a 90-day report by channel against a ticket list page, on 50,000 tickets
	@$(PY) bench/reports.py

.PHONY: bench-console
bench-console:  ## the inbox and ticket pages against their JSON API calls, 20 signed-in clients
	@$(PY) bench/console.py $(if $(PROFILE),--profile $(PROFILE))

.PHONY: bench-scale
bench-scale:  ## ticketing's CPU per read on desks of 2,000, 20,000 and 100,000 tickets
	@$(PY) bench/scale.py

.PHONY: dlq
dlq:  ## queues and dead letters via the gateway: QUEUE=x lists its DLQ; REPLAY=1 [IDS="a b"] [DRY_RUN=1] replays
	@$(PY) -m devtools.dlq $(QUEUE) $(if $(REPLAY),--replay) $(if $(DRY_RUN),--dry-run) $(foreach i,$(IDS),--id $(i)) $(if $(OFFSET),--offset $(OFFSET)) $(if $(LIMIT),--limit $(LIMIT))
