# Set-up and everyday commands. `make run` and `make test` install what they need themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint demo migrate lock sandbox

# Every version is pinned by requirements.lock (kept by pip-tools: `make lock`), so a fresh
# machine, CI and the Docker image install the same set.
$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $@

## Re-pin every dependency (run after changing dependencies in pyproject.toml).
lock: $(BIN)/.installed
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

## Run the bot (long polling) on the embedded SQLite database: BOT_TOKEN=... make run
run: $(BIN)/.installed
	$(BIN)/python -m bot

## Try the bot without a token or a network: the real bot against the built-in Bot API emulator,
## on data/sandbox.db with the demo district, in a web chat at http://127.0.0.1:8080.
sandbox: $(BIN)/.installed
	$(BIN)/python -m bot sandbox

## Run every test on SQLite and on a local PostgreSQL 15, plus the Redis FSM test (servers are
## installed from Debian packages and started if missing), and the sandbox's test in headless
## Chromium (installed from Debian packages if missing).
test: $(BIN)/.installed
	bash .ci/chromium.sh
	TEST_POSTGRES_URL="$$(bash .ci/postgres.sh)" TEST_REDIS_URL="$$(bash .ci/redis.sh)" $(BIN)/pytest -q

## Lint, format check and type check.
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Load the demo district (organisations and a calendar of events).
demo: $(BIN)/.installed
	$(BIN)/python -m bot seed-demo

migrate: $(BIN)/.installed
	$(BIN)/python -m bot migrate
