# Shared by scripts/keycloak.sh and scripts/zipkin.sh: a server started in its own process group, its pid in
# $PID_FILE, its output in $LOG_FILE, ready when the script's `answering` function succeeds. The script sources
# this file first, with the server's name: `source scripts/lib/background-server.sh zipkin`.
set -euo pipefail

SERVER_NAME="$1"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVER_HOME="$REPO_ROOT/.infra/$SERVER_NAME"
PID_FILE="$SERVER_HOME/$SERVER_NAME.pid"
LOG_FILE="$SERVER_HOME/$SERVER_NAME.log"
INFRA_CACHE="${INFRA_CACHE:-$HOME/.cache/cleaning-platform}"

log() { printf '[%s] %s\n' "$SERVER_NAME" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$SERVER_NAME" "$*" >&2; exit 1; }

# The pid of the server this script started, if it is still running.
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}

# wait_until_answering NAME PID TIMEOUT_SECONDS: returns once it answers; dies if it exits or the time runs out.
wait_until_answering() {
  local name="$1" pid="$2" timeout="$3" i
  for ((i = 0; i < timeout * 2; i++)); do
    answering && return
    kill -0 "$pid" 2>/dev/null || { tail -n 40 "$LOG_FILE" >&2; rm -f "$PID_FILE"; die "$name exited during start-up"; }
    sleep 0.5
  done
  tail -n 40 "$LOG_FILE" >&2
  die "$name not answering after ${timeout}s ('$0 down' stops it)"
}

# stop_server NAME GRACE_SECONDS: SIGTERM to the server's process group, SIGKILL after the grace period.
stop_server() {
  local name="$1" grace="$2" pid i
  if pid="$(running_pid)"; then
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 4; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
  else
    log "not running"
  fi
  rm -f "$PID_FILE"
}
