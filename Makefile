# openchs-ai: run `make` for the list of targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export OPENCHS_AI_CACHE ?= $(HOME)/.cache/openchs-ai
MODEL ?= tiny-q8_0
BIN := bin/openchs-ai
PKG := github.com/openchs/openchs-ai

# Each recipe that compiles sources the whisper runtime's cgo flags first.
WHISPER_ENV = set -a && . "$$(scripts/whisper-runtime.sh)" && set +a
LDFLAGS = -linkmode=external -X $(PKG)/pipeline/whisper.DefaultBackendDir=$$OPENCHS_AI_GGML_BACKENDS
MODEL_ENV = export OPENCHS_AI_MODEL_PATH="$$(scripts/fetch-model.sh $(MODEL))"

.PHONY: help build run test bench bench-cases bench-throughput bench-vad bench-memory chaos lint clean

help: ## list targets
	@awk -F':.*## ' '/^[a-z-]+:.*## / {printf "  make %-6s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## provision whisper.cpp and build bin/openchs-ai
	@scripts/deps.sh build
	@$(WHISPER_ENV) && go build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/openchs-ai
	@echo "built $(BIN)"

run: build ## run the service on its embedded defaults
	@$(MODEL_ENV) && exec $(BIN) serve

# Packages are tested one at a time: several of them keep every core busy
# with whisper, and ggml's spinning threads slow down many times over when
# two such test binaries share the cores.
test: ## provision everything and run all tests
	@scripts/deps.sh test
	@$(WHISPER_ENV) && $(MODEL_ENV) && go test -p 1 -ldflags "$(LDFLAGS)" -count=1 -timeout 40m ./...

bench: ## benchmarks: engine next to whisper.cpp's C API, audio decoding next to ffmpeg, then bench-cases
	@scripts/deps.sh test
	@$(WHISPER_ENV) && $(MODEL_ENV) && scripts/bench-whisper.sh
	@scripts/bench-audio.sh
	@$(MAKE) --no-print-directory bench-cases

bench-vad: ## silence skipping on a 12-minute half-silent call: time ratio, WER and onsets with and without it
	@scripts/deps.sh test
	@$(WHISPER_ENV) && $(MODEL_ENV) && scripts/bench-vad.sh

# The case system on SQLite and MariaDB: case creation and updated_since
# pages at 100k cases through the API, webhook deliveries, the write-back
# from completion to case, and a 1M-row CSV import.
# The chaos suite in full: 20 workers killed mid-transcription (make test
# runs one round), hostile uploads, Redis killed under load.
chaos: build ## the chaos suite with 20 worker-kill rounds; prints its table
	@scripts/deps.sh test
	@$(WHISPER_ENV) && $(MODEL_ENV) && OPENCHS_AI_CHAOS_ROUNDS=20 go test -ldflags "$(LDFLAGS)" -count=1 -timeout 90m -run TestChaos -v ./cmd/openchs-ai/ | grep -vE "^(=== |\s+time=)"

bench-cases: ## benchmarks of the helpline, its webhooks, the case write-back and CSV import
	@scripts/deps.sh test
	@$(WHISPER_ENV) && go test -ldflags "$(LDFLAGS)" -run XXX -bench . -benchtime 3s ./server/helpline/ ./server/helpline/webhook/
	@$(WHISPER_ENV) && go test -ldflags "$(LDFLAGS)" -run XXX -bench CaseDelivery -benchtime 1x ./queue/
	@$(WHISPER_ENV) && OPENCHS_AI_IMPORT_BENCH_ROWS=1000000 go test -ldflags "$(LDFLAGS)" -run TestImportRate -v -timeout 30m ./server/helpline/ | grep -E "rows/s|ok|FAIL"

# The service end to end next to raw whisper.cpp: a lone 12-minute call
# and 8 concurrent 37-second uploads, printed as ratios.
bench-throughput: build ## the service's speed next to raw whisper.cpp, lone and under load
	@scripts/deps.sh test
	@$(WHISPER_ENV) && $(MODEL_ENV) && scripts/bench-throughput.sh

# An hour-long call (OPENCHS_AI_BENCH_CALL_MINUTES) through an api and a
# worker against a redis-server of its own: the worker's peak resident
# memory and wall time, silence skipping on and off; MODELS="tiny-q8_0 base"
# adds a model's rows.
bench-memory: build ## a worker's peak memory (target ≤ 350 MB) and time on a 60-minute call, silence skipping on and off
	@scripts/deps.sh test
	@$(WHISPER_ENV) && scripts/bench-memory.sh

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	@$(WHISPER_ENV) && go vet ./...

clean: ## remove build output (the cache outside the tree stays)
	rm -rf bin

.PHONY: eval-asr
eval-asr: build ## speak labelled narratives (espeak-ng), transcribe and score them (slow)
	@$(WHISPER_ENV) && $(MODEL_ENV) && scripts/eval-asr.sh
