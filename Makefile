# Entry points for developers and CI. Everything runs through the project venv
# explicitly (.venv/bin/python); nothing needs to be activated.

SHELL := /bin/bash
PYTHON := .venv/bin/python

# jsii (the bridge aws-cdk-lib runs on) no longer supports the machine's Node 20; package.json installs a
# Node 22 binary from the npm registry (node-linux-<arch>), and jsii, the CDK CLI and mmdc all run on it.
export JSII_NODE ?= $(CURDIR)/node_modules/.bin/node
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# A larger young generation for V8: a synth allocates many short-lived objects and spends less time in
# garbage collection with it (about 7% less CPU per synth measured; templates unchanged). Yours wins when set.
export NODE_OPTIONS ?= --max-semi-space-size=64
PYTEST_ARGS ?=
# One design selection for every step: synth, generators and docgen all read DESIGN_FILE.
DESIGN_FILE ?= design.yaml
export DESIGN_FILE

.DEFAULT_GOAL := help

# Where `make baseline` keeps the cdk.out that `make review` and `make diff` compare against (git-ignored).
BASELINE ?= .baseline/cdk.out
DOCGEN := $(PYTHON) -m docgen
DOCGEN_FLAGS ?=

.PHONY: help setup bootstrap synth doc cost review diff baseline run test test-fast check lint bench bench-platforms clean scan

help:
	@echo "make setup  - install system packages, .venv and node_modules (idempotent; checks all, ignoring the stamp)"
	@echo "make synth  - cdk synth the app into cdk.out/"
	@echo "make doc    - generate the design doc from cdk.out/ (synthesizes first when cdk.out is stale)"
	@echo "make cost   - monthly cost per environment and AWS service (JSON: DOCGEN_FLAGS=--format=json)"
	@echo "make baseline - save the current cdk.out to $(BASELINE) for review and diff"
	@echo "make review - the review comment of your change against $(BASELINE) (or BASE=main: a git ref)"
	@echo "make diff   - the CDK CLI's own diff (cdk diff --template) of each stack changed since $(BASELINE)"
	@echo "make run    - setup + synth + generate + doc on the default design (another: DESIGN_FILE=path.yaml);"
	@echo "             each step is skipped when nothing it reads or writes changed since it last ran"
	@echo "make test   - run the test suite (extra pytest args: PYTEST_ARGS=...)"
	@echo "make test-fast - the tests that neither synthesize nor render (the inner loop)"
	@echo "make check  - check the committed design doc is up to date"
	@echo "make lint   - ruff check + ruff format --check"
	@echo "make bench  - run the benchmarks"
	@echo "make bench-platforms - synth time each observability platform adds to the default design"
	@echo "make scan   - synth, then cfn-lint and checkov over cdk.out (security/scan-exceptions.yaml)"
	@echo "make clean  - remove cdk.out and caches (keeps .venv and node_modules)"

# `make setup` checks everything; the other targets run the bootstrap through its stamp (.stamps/), which skips
# the checks when the bootstrap script, the lockfiles and the install stamps are as they were last time.
setup:
	@bash scripts/bootstrap.sh --full

bootstrap:
	@bash scripts/bootstrap.sh

# --no-notices: the CLI would otherwise try to fetch notices from the network.
# The spec is checked first: a bad one stops here with its one-line error (the CDK CLI would add its own
# "Subprocess exited with error 2" line and exit 1).
synth: bootstrap
	$(PYTHON) -m designspec $(DESIGN_FILE)
	npx --no-install cdk synth --quiet --no-notices -c design=$(DESIGN_FILE)

doc:
	$(DOCGEN) doc --design $(DESIGN_FILE) $(DOCGEN_FLAGS)

cost:
	$(DOCGEN) cost --design $(DESIGN_FILE) $(DOCGEN_FLAGS)

# The cdk.out of the design as it is now (synthesized first when stale), copied whole; the copy is what
# `make review` and `make diff` compare your next change with. Written to a temporary folder, then renamed.
baseline: bootstrap
	$(DOCGEN) cost --design $(DESIGN_FILE) --quiet > /dev/null
	rm -rf $(BASELINE).tmp && mkdir -p $(dir $(BASELINE)) && cp -R cdk.out $(BASELINE).tmp
	rm -rf $(BASELINE) && mv $(BASELINE).tmp $(BASELINE)
	@echo "saved cdk.out to $(BASELINE)"

# BASE: a saved cdk.out (default: the baseline) or a git ref (BASE=main), synthesized in a temporary worktree.
BASE ?= $(BASELINE)
review:
	$(DOCGEN) review --design $(DESIGN_FILE) --base $(BASE) $(DOCGEN_FLAGS)

diff:
	$(DOCGEN) diff --design $(DESIGN_FILE) --against $(BASELINE) $(DOCGEN_FLAGS)

# The dev docker-compose stack and the delivery pipeline of the design, into generated/.
.PHONY: generate
generate:
	$(PYTHON) -m generators --design $(DESIGN_FILE)

# The main job: docgen synthesizes the app into cdk.out (cdk-nag runs on it) when cdk.out is stale for the spec
# and code, then writes the doc; generate runs first so the doc can show the compose file and the pipeline.
# Each step is skipped when its stamp (.stamps/STEP.json) says the design, the code, the lockfiles and the
# step's outputs are byte for byte as they were after its last successful run (scripts/fresh.py); with
# DOCGEN_FLAGS set the doc step always runs (the flags may name other files).
# Standard library only, without site-packages (-S): the venv's python when there is one (it starts in a few
# hundredths of a second, where a pyenv shim takes a few tenths), else the system python3 (a fresh machine).
FRESH = $(if $(wildcard $(PYTHON)),$(PYTHON),python3) -S scripts/fresh.py
run: bootstrap
	@$(FRESH) generate -- $(PYTHON) -m generators --design $(DESIGN_FILE)
	@$(if $(strip $(DOCGEN_FLAGS)),,$(FRESH) doc --) $(DOCGEN) doc --design $(DESIGN_FILE) $(DOCGEN_FLAGS)

# pytest exits 5 when it collects no test; make passes that on as a failure.
# TEST_WORKERS pytest-xdist workers (one per core here); a zoo design's tests and each module's tests stay on one
# worker, and a synth two workers need is made once (tests/conftest.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
XDIST = -n $(TEST_WORKERS) --dist loadgroup
test: bootstrap
	$(PYTHON) -m pytest -q -p no:cacheprovider $(XDIST) $(PYTEST_ARGS)

# The inner loop: everything but CDK synthesis (jsii) and Mermaid rendering (chromium).
test-fast: bootstrap
	$(PYTHON) -m pytest -q -p no:cacheprovider $(XDIST) -m "not synth and not render" $(PYTEST_ARGS)

check:
	$(DOCGEN) --check --design $(DESIGN_FILE)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# checkov lives in its own venv (.venv-scan), created only here: `make test` and `make run` never need it.
scan: synth
	@bash scripts/bootstrap.sh --scan
	$(PYTHON) scripts/scan.py cdk.out

bench: bootstrap
	$(PYTHON) -m tests.bench

bench-platforms: bootstrap
	$(PYTHON) -m tests.bench_platforms

clean:
	rm -rf cdk.out .stamps .cache .pytest_cache .ruff_cache .mypy_cache .hypothesis
	@# .baseline/ is kept: it is your saved state to compare with (remove it by hand)
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
		-type d -name __pycache__ -prune -exec rm -rf {} +
