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

Stops Flower, the workers, the API and (if start_all.sh started it) Redis, in that order,
using the PID files in $RUN_DIR/pids. Stale PID files are removed.

  --keep-redis   leave a Redis started by start_all.sh running
Environment: RUN_DIR=.run, STOP_TIMEOUT=30 (seconds between TERM and KILL; also read from .env)
TXT
}

# Known services in reverse start order, then any other PID file left in the folder.
stop_order() {
  local i name
  for ((i = ${#LM_SERVICES[@]} - 1; i >= 0; i--)); do
    printf '%s\n' "${LM_SERVICES[i]}"
  done
  for name in "$PID_DIR"/*.pid; do
    [[ -e $name ]] || continue
    name=$(basename "$name" .pid)
    [[ " ${LM_SERVICES[*]} " == *" $name "* ]] || printf '%s\n' "$name"
  done
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
  local timeout=${STOP_TIMEOUT:-30} name
  if [[ ! -d $PID_DIR ]]; then
    log "nothing to stop (no $PID_DIR)"
    return 0
  fi
  while IFS= read -r name; do
    [[ $name == redis && $keep_redis == 1 ]] && continue
    stop_pid_file "$name" "$timeout"
  done < <(stop_order)
  log "stopped"
}

main "$@"
