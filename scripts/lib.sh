# shellcheck shell=bash
# Shared helpers for start_all.sh, stop_all.sh and scripts/*.sh. Source it; do not run it.
#
# Process bookkeeping: every background process we start gets
#   $RUN_DIR/pids/<name>.pid   line 1: PID, line 2: the process start time (from /proc),
#                              line 3: the TCP port it listens on ("-" for none),
#                              line 4: "group" when it leads a process group of its own (setsid)
#   $RUN_DIR/logs/<name>.log   its stdout + stderr
# The start time guards against PID reuse: a PID file whose PID now belongs to a different
# process (same number, other start time) is treated as stale and that process is never signalled.

# Every process the scripts manage, in start order (stop_all.sh stops Redis last).
LM_SERVICES=(redis api worker-generation worker-indexing worker-training flower)

lm_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# Colours only on a terminal, so log files and CI output stay plain.
if [[ -t 2 ]]; then LM_BLUE=$'\033[1;34m' LM_YELLOW=$'\033[1;33m' LM_RED=$'\033[1;31m' LM_OFF=$'\033[0m'
else LM_BLUE='' LM_YELLOW='' LM_RED='' LM_OFF=''; fi

log()  { printf '%s==>%s %s\n' "$LM_BLUE" "$LM_OFF" "$*"; }
warn() { printf '%swarning:%s %s\n' "$LM_YELLOW" "$LM_OFF" "$*" >&2; }
die()  { printf '%serror:%s %s\n' "$LM_RED" "$LM_OFF" "$*" >&2; exit 1; }

# Export KEY=VALUE lines from a dotenv file, without overriding variables already set in the
# environment (the same precedence pydantic-settings uses). Comments, blank lines, an optional
# `export ` prefix and one level of surrounding quotes are handled; nothing is evaluated.
load_dotenv() {
  local file=$1 line key value
  [[ -f $file ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line#"${line%%[![:space:]]*}"}
    [[ -z $line || $line == \#* ]] && continue
    line=${line#export }
    key=${line%%=*}
    value=${line#*=}
    [[ $line == *=* && $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    [[ -n ${!key+x} ]] && continue
    export "$key=$value"
  done <"$file"
}

# Defaults shared by start and stop; call after load_dotenv.
lm_defaults() {
  ROOT=${ROOT:-$(lm_root)}
  RUN_DIR=${RUN_DIR:-$ROOT/.run}
  [[ $RUN_DIR == /* ]] || RUN_DIR=$ROOT/$RUN_DIR
  PID_DIR=$RUN_DIR/pids
  LOG_DIR=$RUN_DIR/logs
  export RUN_DIR
}

# The install scripts' one option: --force redoes the work even when its stamp says it is up to date.
parse_force_flag() {
  FORCE=0
  case ${1:-} in
    -h | --help) usage; exit 0 ;;
    --force) FORCE=1 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
  esac
}

pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }
log_file() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

# Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or "" where
# /proc is unavailable (e.g. macOS), in which case the reuse check is skipped.
proc_start_time() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }                  # drop "pid (comm) " - comm may contain spaces
  read -r -a fields <<<"$stat"
  printf '%s' "${fields[19]}"        # field 22 overall = index 19 after pid and comm
}

# group_members <pgid> <min_start>: PIDs (one a line) of the live processes of process group <pgid> that
# started no earlier than <min_start> (so a reused number never matches an older, unrelated group). No
# fork per process: a scan stays ~10 ms with hundreds of processes.
group_members() {
  local pgid=$1 min_start=$2 dir stat fields
  for dir in /proc/[0-9]*; do
    { read -r stat <"$dir/stat"; } 2>/dev/null || continue
    stat=${stat##*) }
    read -r -a fields <<<"$stat"
    # fields: 0 state, 2 pgid, 19 start time
    [[ ${fields[2]} == "$pgid" && ${fields[0]} != Z ]] || continue
    [[ -z $min_start || ${fields[19]} -ge $min_start ]] || continue
    printf '%s\n' "${dir#/proc/}"
  done
}

# service_group <name>: the live processes of <name>'s process group, main process included (the PIDs of a
# crashed main process's children, say uvicorn's workers after a kill -9 of uvicorn). Empty without a group.
service_group() {
  local file pid started group
  file=$(pid_file "$1")
  [[ -f $file ]] || return 0
  { read -r pid; read -r started || true; read -r _ || true; read -r group || true; } <"$file"
  [[ $group == group && $pid =~ ^[0-9]+$ && -d /proc ]] || return 0
  group_members "$pid" "$started"
}

# orphan_pids <name>: processes of <name>'s group left running after its main process died (space-separated).
orphan_pids() {
  running_pid "$1" >/dev/null && return 0
  service_group "$1" | paste -sd' ' -
}

# Print the PID recorded for <name> if that exact process is still alive; return 1 otherwise.
running_pid() {
  local file pid started now
  file=$(pid_file "$1")
  [[ -f $file ]] || return 1
  { read -r pid; read -r started || true; } <"$file"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ $(proc_state "$pid") != Z ]] || return 1 # exited, not yet reaped
  now=$(proc_start_time "$pid")
  if [[ -n $started && -n $now && $started != "$now" ]]; then
    return 1                          # PID reused by an unrelated process
  fi
  printf '%s' "$pid"
}

# start_bg <name> <port|-> <command...>: run the command in the background with nohup, logging
# to $LOG_DIR/<name>.log and recording its PID and port. Does nothing if <name> is already
# running; refuses to start when the port is already taken by some other program.
start_bg() {
  local name=$1 port=$2 pid
  shift 2
  mkdir -p "$PID_DIR" "$LOG_DIR"
  if pid=$(running_pid "$name"); then
    log "$name already running (pid $pid)"
    return 0
  fi
  local orphans
  orphans=$(orphan_pids "$name")
  if [[ -n $orphans ]]; then
    die "cannot start $name: processes of its previous run still run (pids $orphans); ./stop_all.sh stops them"
  fi
  if [[ $port != - ]] && port_in_use "$port"; then
    die "cannot start $name: port $port is already in use by another program (choose another port)"
  fi
  printf '\n===== %s starting: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$(log_file "$name")"
  # setsid: the service leads a process group of its own, so its children (uvicorn's workers, a prefork
  # pool) are found and stopped with it even after its main process died. 9>&-: do not hand start_all.sh's
  # lock descriptor to long-lived children.
  local group=- launcher=()
  if command -v setsid >/dev/null && [[ -d /proc ]]; then
    group=group launcher=(setsid)
  fi
  nohup "${launcher[@]}" "$@" >>"$(log_file "$name")" 2>&1 </dev/null 9>&- &
  pid=$!
  printf '%s\n%s\n%s\n%s\n' "$pid" "$(proc_start_time "$pid")" "$port" "$group" >"$(pid_file "$name")"
  log "$name started (pid $pid, log $(log_file "$name"))"
}

# stop_services <timeout_s> <name...>: TERM every recorded process at once (so slow warm
# shutdowns overlap instead of adding up), wait up to <timeout_s>, then KILL what is left.
# A service that leads a process group is stopped whole: its main process first (uvicorn and Celery
# stop their own children), then whatever of its group is left, orphans of a crashed main process too.
# PID files are removed in every case, stale ones included. Only recorded PIDs and their groups are signalled.
stop_services() {
  local timeout=$1 name pid waited=0 member
  shift
  local -A pids=() groups=()
  for name in "$@"; do
    [[ -f $(pid_file "$name") ]] || continue
    groups[$name]=$(service_group "$name" | paste -sd' ' -)
    if pid=$(running_pid "$name"); then
      log "$name: stopping pid $pid"
      kill -TERM "$pid" 2>/dev/null || true
      pids[$name]=$pid
    elif [[ -n ${groups[$name]} ]]; then
      log "$name: main process gone; stopping its orphaned processes ${groups[$name]}"
      # shellcheck disable=SC2086 # a list of PIDs
      kill -TERM ${groups[$name]} 2>/dev/null || true
    else
      log "$name: not running, removing stale PID file"
      rm -f "$(pid_file "$name")"
    fi
  done
  # shellcheck disable=SC2086
  while any_alive "${pids[@]}" ${groups[@]} && ((waited < timeout * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  for name in "${!groups[@]}"; do
    pid=${pids[$name]:-}
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      warn "$name (pid $pid) ignored TERM for ${timeout}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    for member in ${groups[$name]}; do
      if kill -0 "$member" 2>/dev/null && [[ $(proc_state "$member") != Z ]]; then
        warn "$name: pid $member of its group still runs, sending KILL"
        kill -KILL "$member" 2>/dev/null || true
      fi
    done
    rm -f "$(pid_file "$name")"
  done
}

# proc_state <pid>: the one-letter state of a process (Z = zombie), "" when gone.
proc_state() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 0
  stat=${stat##*) }
  printf '%s' "${stat%% *}"
}

any_alive() {
  local pid
  for pid in "$@"; do
    kill -0 "$pid" 2>/dev/null && return 0
  done
  return 1
}

# Python used to talk to services before/without the venv's packages: the venv's if present.
lm_python() {
  if [[ -x $ROOT/.venv/bin/python ]]; then printf '%s' "$ROOT/.venv/bin/python"; else command -v python3; fi
}

# recorded_port <name>: the port line of a PID file ("" if none).
recorded_port() {
  local file
  file=$(pid_file "$1")
  [[ -f $file ]] && sed -n 3p "$file"
  return 0
}

# port_in_use <port>: true when something accepts TCP connections on 127.0.0.1:<port>.
port_in_use() {
  "$(lm_python)" - "$1" <<'PY' >/dev/null 2>&1
import socket, sys
with socket.socket() as sock:
    sock.settimeout(1)
    sys.exit(0 if sock.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

# redis_ping <redis-url>: true when a Redis server answers PING at that URL. Speaks RESP over a
# plain socket so it works before the venv exists and without redis-cli.
redis_ping() {
  "$(lm_python)" - "$1" <<'PY' >/dev/null 2>&1
import socket, sys
from urllib.parse import urlparse
url = urlparse(sys.argv[1])
if url.scheme == "unix":
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(2)
    sock.connect(url.path)
else:
    sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=2)
with sock:
    if url.password:
        user = [url.username.encode()] if url.username else []
        args = [b"AUTH", *user, url.password.encode()]
        sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
        sock.recv(64)
    sock.sendall(b"*1\r\n$4\r\nPING\r\n")
    sys.exit(0 if sock.recv(64).startswith(b"+PONG") else 1)
PY
}
