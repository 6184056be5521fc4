#!/usr/bin/env bash
# Install what the tests need and run them all: Python suites (real SQLite, PostgreSQL, Redis, Celery
# workers, tiny and small real models, the browser end-to-end test in Chromium) and the frontend unit tests.
#
# Usage: ./run_tests.sh [pytest args...]     e.g. ./run_tests.sh tests/api -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1

install_python() {
  scripts/bootstrap_venv.sh
  local stamp=.venv/.localmind-dev-requirements.sha256 hash
  hash=$(cat requirements.txt requirements/*.txt requirements.lock requirements-dev.txt | sha256sum | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$hash" ]]; then
    log "installing requirements-dev.txt"
    .venv/bin/pip install --quiet -r requirements-dev.txt -c requirements.lock
    echo "$hash" >"$stamp"
  fi
}

apt_install() {
  # $1: command that must exist, $2...: Debian packages providing it
  local cmd=$1
  shift
  command -v "$cmd" >/dev/null && return 0
  if [[ $(id -u) -ne 0 ]]; then
    warn "$cmd is missing and we are not root; install: $*"
    return 0
  fi
  log "installing $* (for $cmd)"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The vLLM engine's own virtualenv, in parallel with ours (tests/vllm runs the chat and /v1 paths on it).
install_vllm_in_background() {
  mkdir -p test-artifacts
  scripts/install_vllm.sh >test-artifacts/install-vllm.log 2>&1 &
  VLLM_INSTALL_PID=$!
}

wait_for_vllm_install() {
  if wait "$VLLM_INSTALL_PID"; then
    log "vLLM engine ready (.venv-vllm)"
  else
    tail -n 20 test-artifacts/install-vllm.log >&2
    warn "vLLM could not be installed on this machine: tests/vllm will be skipped"
    export LOCALMIND_VLLM_UNAVAILABLE=1
  fi
}

install_vllm_in_background
install_python
wait_for_vllm_install
apt_install chromium chromium fonts-wqy-zenhei
log "Web UI bundle (built only when missing or stale)"
scripts/build_frontend.sh

if [[ $# -gt 0 ]]; then
  exec .venv/bin/python -m pytest "$@"
fi

log "Quality gate: ruff (lint + format), import-linter (app never imports worker; no torch in the API), mypy"
.venv/bin/ruff check app worker tests bench migrations
.venv/bin/ruff format --check app worker tests bench migrations
.venv/bin/lint-imports
.venv/bin/mypy
log "Quality gate (UI): API types generated from /openapi.json are fresh, tsc --noEmit, ESLint (react-hooks)"
[[ -d frontend/node_modules ]] || npm --prefix frontend ci --no-audit --no-fund
scripts/gen_api_types.sh --check
npm --prefix frontend run --silent typecheck
npm --prefix frontend run --silent lint

log "Python test suites"
.venv/bin/python -m pytest -q -p no:cacheprovider --durations=15

log "Frontend unit tests (vitest)"
npm --prefix frontend test --silent
