#!/usr/bin/env bash
# A real Zipkin server (in-memory storage) for the trace test and for looking at traces locally.
#
#   scripts/zipkin.sh up       download (once), start; waits until /health answers
#   scripts/zipkin.sh down     stop it
#   scripts/zipkin.sh status   exit 1 when it is not answering
#
# Why not a container: no Docker engine on the dev and CI machines, but Maven Central serves Zipkin's
# executable server jar (io.zipkin:zipkin-server, classifier exec), which runs on Java 17.
#
# Environment (all optional): ZIPKIN_PORT (9411), INFRA_CACHE ($HOME/.cache/cleaning-platform)
# shellcheck source=lib/background-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/background-server.sh" zipkin
ZIPKIN_VERSION=3.5.1
ZIPKIN_PORT="${ZIPKIN_PORT:-9411}"
START_TIMEOUT=90
JAR="$INFRA_CACHE/zipkin-server-$ZIPKIN_VERSION-exec.jar"

answering() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$ZIPKIN_PORT/health"; }

ensure_jar() {
  [[ -f "$JAR" ]] && return
  command -v mvn >/dev/null 2>&1 || die "mvn not found: it fetches Zipkin from Maven Central"
  log "fetching Zipkin $ZIPKIN_VERSION from Maven Central (about 80 MB, once)"
  mkdir -p "$INFRA_CACHE"
  local tmp
  tmp="$(mktemp -d "$INFRA_CACHE/.zipkin.XXXXXX")"
  mvn -B -q dependency:copy -Dartifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" \
    -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1 || { tail -n 30 "$tmp/mvn.log" >&2; die "mvn could not fetch Zipkin"; }
  mv "$tmp/zipkin-server-$ZIPKIN_VERSION-exec.jar" "$JAR"
  rm -rf "$tmp"
}


cmd_up() {
  local pid
  if answering; then
    log "already answering on port $ZIPKIN_PORT"
    return
  fi
  if ! pid="$(running_pid)"; then
    command -v java >/dev/null 2>&1 || die "java not found: Zipkin needs Java 17 or newer"
    ensure_jar
    mkdir -p "$SERVER_HOME"
    STORAGE_TYPE=mem QUERY_PORT="$ZIPKIN_PORT" \
      setsid nohup java -Xms64m -Xmx256m -jar "$JAR" </dev/null >"$LOG_FILE" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"
    log "started Zipkin $ZIPKIN_VERSION (pid $pid), waiting up to ${START_TIMEOUT}s"
  fi
  wait_until_answering Zipkin "$pid" "$START_TIMEOUT"
  log "up on 127.0.0.1:$ZIPKIN_PORT (in-memory storage)"
}

cmd_down() {
  stop_server Zipkin 15
}

cmd_status() {
  if answering; then log "up on 127.0.0.1:$ZIPKIN_PORT"; else log "DOWN (127.0.0.1:$ZIPKIN_PORT)"; return 1; fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
