# Tacit: the targets a newcomer guesses.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-load eval install clean ralph-lrs
SHARED ?= ../shared/data
CHUNKS ?= 10000 100000
# random: the rebuild times the index side (the model's throughput is measured beside it); model: embeds every chunk
BUILD_VECTORS ?= random
LOAD_S ?= 600

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found); set PY=..."; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned: a plain `torch` requirement would pull a multi-GB CUDA build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tacit serve --demo

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy elicitor synthesizer retrieval prompts store workflow api privacy evals tandem connectors cli web analytics
	$(BIN)/lint-imports --no-cache

bench: $(STAMP)
	$(BIN)/python -m bench.ingest_bench
	$(BIN)/python -m bench.search_bench --query-threads 1
	$(BIN)/python -m bench.startup_bench
	$(BIN)/python -m bench.webhook_bench
	$(BIN)/python -m bench.slack_bench
	$(BIN)/python -m bench.detect_bench
	$(BIN)/python -m bench.pages_bench
	$(BIN)/python -m bench.scale_bench $(foreach n,$(CHUNKS),--chunks $(n)) --build-vectors $(BUILD_VECTORS) --json reports/scale_bench.json
	$(BIN)/python -m bench.perf_table reports/scale_bench.json README.md
	$(BIN)/python -m bench.analytics_bench

# The loop under mixed traffic on PostgreSQL + procrastinate (needs the local PostgreSQL); LOAD_S seconds.
bench-load: $(STAMP)
	$(BIN)/python -m bench.loop_load --duration $(LOAD_S)

eval: $(STAMP)
	$(BIN)/tacit eval report --shared $(SHARED) --out reports

# ralph's LRS for the xAPI integration test, in its own virtualenv (it pins an older FastAPI than Tacit's).
ralph-lrs:
	$(PY) -m venv .venv-ralph
	.venv-ralph/bin/pip install -q "ralph-malph[cli,lrs,backend-fs]>=5.1" requests

clean:
	rm -rf data .pytest_cache
