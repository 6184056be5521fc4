#!/usr/bin/env bash
# Stop what start_all.sh started: exactly the PIDs recorded in $RUN_DIR/pids/*.pid.
#
# Each process gets TERM (Celery workers then finish their current task: a warm shutdown), then
# KILL after STOP_TIMEOUT seconds. A Redis is stopped only if start_all.sh started it (it then
# has a PID file); a system or container Redis is never touched. Nothing is killed by name.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

usage() {
  cat <<'TXT'
Usage: ./stop_all.sh [--help] [--keep-redis]

Stops a `start_all.sh --supervise` first, then the API, the workers and Flower together (each with its
process group: children left by a crashed main process too), then (if start_all.sh started it) Redis,
using the PID files in $RUN_DIR/pids. Stale PID files are removed.

  --keep-redis   leave a Redis started by start_all.sh running
Environment: RUN_DIR=.run, STOP_TIMEOUT=30 (seconds between TERM and KILL; also read from .env)
TXT
}

# Every PID file except Redis's: known services and anything else left in the folder.
app_services() {
  local name
  for name in "${LM_SERVICES[@]}" "$PID_DIR"/*.pid; do
    [[ $name == */\*.pid ]] && continue # the glob matched nothing
    name=$(basename "$name" .pid)
    if [[ $name != redis ]]; then printf '%s\n' "$name"; fi
  done | awk '!seen[$0]++'
}

# A `start_all.sh --supervise` of this run folder stops first, so it restarts nothing we stop.
stop_supervisor() {
  local file=$RUN_DIR/supervisor.pid pid waited=0
  [[ -f $file ]] || return 0
  pid=$(head -n 1 "$file")
  if [[ $pid =~ ^[0-9]+$ ]] && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *--supervise* ]]; then
    log "supervisor: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((waited < $1 * 10)); do
      sleep 0.1
      waited=$((waited + 1))
    done
  fi
  rm -f "$file"
}

main() {
  local keep_redis=0
  case ${1:-} in
    -h | --help) usage; exit 0 ;;
    --keep-redis) keep_redis=1 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
  esac
  load_dotenv "$ROOT/.env"
  lm_defaults
  local timeout=${STOP_TIMEOUT:-30}
  if [[ ! -d $PID_DIR ]]; then
    log "nothing to stop (no $PID_DIR)"
    return 0
  fi
  stop_supervisor "$timeout"
  local names
  mapfile -t names < <(app_services)
  stop_services "$timeout" "${names[@]}"
  # Redis last: workers still talk to the broker while they shut down.
  ((keep_redis)) || stop_services "$timeout" redis
  log "stopped"
}

main "$@"
