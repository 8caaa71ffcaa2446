#!/usr/bin/env bash
# Local infrastructure for development, tests and CI: MariaDB, Redis, Kafka.
#
#   scripts/infra.sh up            ensure MariaDB (+ per-service DBs/users), Redis and Kafka are running
#   scripts/infra.sh down [--purge] stop Kafka (--purge also deletes its data); MariaDB/Redis stay up
#   scripts/infra.sh status        one line per component; exit 1 if any is down
#   scripts/infra.sh kafka-stop    stop the broker, keep its data (fault-injection tests)
#   scripts/infra.sh kafka-start   start the broker again on the same data
#
# Why no containers: the dev and CI machines have no Docker engine, but they do
# have MariaDB and Redis as machine services, plus Java 17 and Maven with access
# to Maven Central. So Kafka runs straight from its Maven jars (infra/kafka/pom.xml).
# A docker-compose setup could replace the Kafka part on machines with an engine;
# this script deliberately knows only the local path.
#
# Environment (all optional):
#   KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP_OPTS (-Xms256m -Xmx512m)
#   INFRA_CACHE ($HOME/.cache/cleaning-platform)   where the Kafka jars are cached
#   MARIADB_HOST (127.0.0.1), MARIADB_PORT (3306), MARIADB_ROOT_USER (root), MARIADB_ROOT_PASSWORD ("")
#   REDIS_HOST (127.0.0.1), REDIS_PORT (6379)
#   {CUSTOMER,VEHICLE,CLEANER,BOOKING,CONFIGURATION}_DB_NAME      (customer_db, ...)
#   {CUSTOMER,VEHICLE,CLEANER,BOOKING,CONFIGURATION}_DB_USER      (customer_svc, ...)
#   {CUSTOMER,VEHICLE,CLEANER,BOOKING,CONFIGURATION}_DB_PASSWORD  (customer_pw, ...)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
INFRA_CACHE="${INFRA_CACHE:-$HOME/.cache/cleaning-platform}"
KAFKA_START_TIMEOUT=90
KAFKA_STOP_TIMEOUT=30

MARIADB_HOST="${MARIADB_HOST:-127.0.0.1}"
MARIADB_PORT="${MARIADB_PORT:-3306}"
MARIADB_ROOT_USER="${MARIADB_ROOT_USER:-root}"
MARIADB_ROOT_PASSWORD="${MARIADB_ROOT_PASSWORD:-}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"

KAFKA_SRC="$REPO_ROOT/infra/kafka"
KAFKA_POM="$KAFKA_SRC/pom.xml"
# Repo-local (git-ignored) so that several checkouts do not share broker state.
KAFKA_HOME="$REPO_ROOT/.infra/kafka"
KAFKA_DATA_DIR="$KAFKA_HOME/data"
KAFKA_LOG_DIR="$KAFKA_HOME/logs"
KAFKA_PID_FILE="$KAFKA_HOME/kafka.pid"
KAFKA_CONFIG="$KAFKA_HOME/server.properties"

SERVICES=(customer vehicle cleaner booking configuration)

log() { printf '[infra] %s\n' "$*"; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100)); }

# bash's /dev/tcp avoids depending on nc/ss being installed.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# ---------------------------------------------------------------- prerequisites

require_java_and_maven() {
  command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)"
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (e.g. apt-get install maven); it fetches the Kafka jars"
  local spec
  spec="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  # "1.8" style versions are older than 9, so anything with a leading "1." is too old.
  [[ "$spec" =~ ^[0-9]+$ ]] && ((spec >= 17)) || die "Java 17+ required by Kafka 4.x, found java.specification.version=${spec:-unknown}"
}

# Informational only: containers are not used, see the header.
note_docker() {
  if command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; then
    log "note: a Docker engine is reachable, but this script always uses the local services"
  fi
}

# ---------------------------------------------------------------------- MariaDB

mariadb_root() {
  # MYSQL_PWD keeps the password off the command line (and the client's warning away).
  MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb --protocol=TCP -h"$MARIADB_HOST" -P"$MARIADB_PORT" \
    -u"$MARIADB_ROOT_USER" --batch --skip-column-names "$@"
}

mariadb_up() { mariadb_root -e 'SELECT 1' >/dev/null 2>&1; }

# Value of the variable named $1, or $2 when unset/empty (per-service settings).
env_or() { printf '%s' "${!1:-$2}"; }

sql_string() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"; }

ensure_mariadb() {
  command -v mariadb >/dev/null 2>&1 || die "mariadb client not found (apt-get install mariadb-client)"
  if ! mariadb_up; then
    # The machine's own service; start it the way the machine does, only if it is local.
    if [[ "$MARIADB_HOST" == 127.0.0.1 || "$MARIADB_HOST" == localhost ]] && [[ -x /usr/sbin/mariadbd ]]; then
      log "MariaDB not reachable on $MARIADB_HOST:$MARIADB_PORT, starting /usr/sbin/mariadbd"
      mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
      local i
      for ((i = 0; i < 60; i++)); do mariadb_up && break; sleep 0.5; done
    fi
    mariadb_up || die "MariaDB not reachable on $MARIADB_HOST:$MARIADB_PORT as $MARIADB_ROOT_USER (check the server and MARIADB_ROOT_PASSWORD)"
  fi

  # One database and one user per service, each user limited to its own database,
  # so that a service cannot reach into another one's tables. Idempotent: safe on every `up`,
  # and a changed password in the environment is applied.
  local sql="" svc upper db user pw host
  for svc in "${SERVICES[@]}"; do
    upper="${svc^^}"
    db="$(env_or "${upper}_DB_NAME" "${svc}_db")"
    user="$(env_or "${upper}_DB_USER" "${svc}_svc")"
    pw="$(env_or "${upper}_DB_PASSWORD" "${svc}_pw")"
    # Names go into SQL as identifiers; refuse anything that would need quoting.
    [[ "$db" =~ ^[A-Za-z0-9_]+$ ]] || die "${upper}_DB_NAME='$db': only letters, digits and _ allowed"
    [[ "$user" =~ ^[A-Za-z0-9_]+$ ]] || die "${upper}_DB_USER='$user': only letters, digits and _ allowed"
    sql+="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"$'\n'
    for host in 127.0.0.1 localhost; do
      sql+="CREATE USER IF NOT EXISTS '$user'@'$host' IDENTIFIED BY $(sql_string "$pw");"$'\n'
      sql+="ALTER USER '$user'@'$host' IDENTIFIED BY $(sql_string "$pw");"$'\n'
      sql+="GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'$host';"$'\n'
    done
  done
  mariadb_root -e "$sql" || die "MariaDB: creating the service databases/users failed"
  local dbs=()
  for svc in "${SERVICES[@]}"; do dbs+=("$(env_or "${svc^^}_DB_NAME" "${svc}_db")"); done
  MARIADB_SUMMARY="up on $MARIADB_HOST:$MARIADB_PORT ($(mariadb_root -e 'SELECT VERSION()')), databases ${dbs[*]}"
}

# ------------------------------------------------------------------------ Redis

redis_up() { [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

ensure_redis() {
  command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found (apt-get install redis-tools)"
  if ! redis_up; then
    if [[ "$REDIS_HOST" == 127.0.0.1 || "$REDIS_HOST" == localhost ]] && command -v redis-server >/dev/null 2>&1; then
      log "Redis not answering on $REDIS_HOST:$REDIS_PORT, starting redis-server"
      mkdir -p /var/lib/redis /var/log/redis
      # Same flags as the machine's own start: nothing persisted, tests start clean.
      redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
      local i
      for ((i = 0; i < 40; i++)); do redis_up && break; sleep 0.25; done
    fi
    redis_up || die "Redis not answering PING on $REDIS_HOST:$REDIS_PORT"
  fi
  REDIS_SUMMARY="up on $REDIS_HOST:$REDIS_PORT ($(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" info server | sed -n 's/^redis_version:\(.*\)\r$/redis \1/p'))"
}

# ------------------------------------------------------------------------ Kafka

kafka_version() {
  local v
  v="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1)"
  [[ -n "$v" ]] || die "cannot read <kafka.version> from $KAFKA_POM"
  printf '%s' "$v"
}

kafka_libs_dir() { printf '%s/kafka-libs/%s' "$INFRA_CACHE" "$(kafka_version)"; }

# The cache is keyed by the Kafka version (directory) and stamped with the POM's
# checksum, so a log4j bump or a changed exclusion also refreshes it.
ensure_kafka_libs() {
  local libs stamp pom_sum tmp
  libs="$(kafka_libs_dir)"
  stamp="$libs/.complete"
  pom_sum="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$pom_sum" ]] && compgen -G "$libs/kafka_2.13-*.jar" >/dev/null; then
    KAFKA_LIBS_NOTE="cached"
    return
  fi
  require_java_and_maven
  log "fetching Kafka $(kafka_version) jars with Maven into $libs (once per version)"
  mkdir -p "$INFRA_CACHE/kafka-libs"
  # Download next to the final place and rename, so an interrupted run never
  # leaves a half-filled cache that looks complete.
  tmp="$(mktemp -d "$INFRA_CACHE/kafka-libs/.tmp.XXXXXX")"
  if ! mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.mvn.log" 2>&1; then
    tail -n 40 "$tmp.mvn.log" >&2
    rm -rf "$tmp" "$tmp.mvn.log"
    die "mvn could not fetch the Kafka jars (see the output above)"
  fi
  rm -f "$tmp.mvn.log"
  printf '%s\n' "$pom_sum" >"$tmp/.complete"
  rm -rf "$libs"
  mv "$tmp" "$libs"
  KAFKA_LIBS_NOTE="downloaded"
}

# The pid in the pid file, if that process is still our broker (pids get reused).
kafka_pid() {
  local pid
  [[ -f "$KAFKA_PID_FILE" ]] || return 1
  pid="$(cat "$KAFKA_PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  printf '%s' "$pid"
}

# A broker listening on our port without our pid file (another checkout, or a
# pid file lost with --purge): found through its listening socket.
kafka_listener_pid() {
  command -v ss >/dev/null 2>&1 || return 1
  local pid
  pid="$(ss -ltnpH "sport = :$KAFKA_PORT" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)"
  [[ -n "$pid" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  printf '%s' "$pid"
}

write_kafka_config() {
  mkdir -p "$KAFKA_DATA_DIR" "$KAFKA_LOG_DIR"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@KAFKA_DATA_DIR@|$KAFKA_DATA_DIR|g" \
    "$KAFKA_SRC/server.properties.template" >"$KAFKA_CONFIG"
}

# KRaft refuses to start on an unformatted log dir; format once, keep data afterwards.
format_kafka_storage() {
  local libs="$1" cluster_id
  [[ -f "$KAFKA_DATA_DIR/meta.properties" ]] && return
  cluster_id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  [[ -n "$cluster_id" ]] || die "kafka.tools.StorageTool random-uuid printed nothing"
  log "formatting Kafka storage in $KAFKA_DATA_DIR (cluster id $cluster_id)"
  # Static controller.quorum.voters: no --standalone (that is for dynamic quorums).
  java -cp "$libs/*" -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2.properties" -Dkafka.logs.dir="$KAFKA_LOG_DIR" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONFIG" >"$KAFKA_LOG_DIR/format.log" 2>&1 ||
    { cat "$KAFKA_LOG_DIR/format.log" >&2; die "formatting Kafka storage failed"; }
}

kafka_fail_with_logs() {
  echo "---- last 40 lines of $KAFKA_LOG_DIR/server.log ----" >&2
  tail -n 40 "$KAFKA_LOG_DIR/server.log" 2>/dev/null >&2 || echo "(no server.log)" >&2
  if [[ -s "$KAFKA_LOG_DIR/kafka.out" ]]; then
    echo "---- last 40 lines of $KAFKA_LOG_DIR/kafka.out (stdout/stderr) ----" >&2
    tail -n 40 "$KAFKA_LOG_DIR/kafka.out" >&2
  fi
  die "$1"
}

kafka_start() {
  local pid libs log_offset i
  # Test runners may call `up` concurrently: only one of them may format/start the broker.
  mkdir -p "$KAFKA_HOME"
  exec 9>"$KAFKA_HOME/.start.lock"
  flock -w $((KAFKA_START_TIMEOUT + 60)) 9 || die "timed out waiting for another 'infra.sh' to start Kafka"
  if port_open 127.0.0.1 "$KAFKA_PORT"; then
    KAFKA_SUMMARY="reusing the broker already listening on 127.0.0.1:$KAFKA_PORT"
    pid="$(kafka_pid || kafka_listener_pid || true)"
    [[ -n "$pid" ]] && KAFKA_SUMMARY+=" (pid $pid)"
    return
  fi

  ensure_kafka_libs
  libs="$(kafka_libs_dir)"

  if pid="$(kafka_pid)"; then
    # Started earlier but not listening yet (or stuck): wait for it rather than start a second one.
    log "Kafka pid $pid is running but not yet listening; waiting for it"
    log_offset=0
  else
    require_java_and_maven
    # Fail fast and clearly instead of a BindException buried in the broker log.
    port_open 127.0.0.1 "$KAFKA_CONTROLLER_PORT" &&
      die "controller port 127.0.0.1:$KAFKA_CONTROLLER_PORT is taken by another process (set KAFKA_CONTROLLER_PORT)"
    write_kafka_config
    format_kafka_storage "$libs"
    # Only what this start logs counts when waiting for "Kafka Server started".
    log_offset="$(stat -c %s "$KAFKA_LOG_DIR/server.log" 2>/dev/null || echo 0)"
    # setsid + nohup: the broker must outlive this script and the terminal/CI step that ran it.
    # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several options on purpose
    setsid nohup java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KAFKA_LOG_DIR" -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2.properties" \
      -cp "$libs/*" kafka.Kafka "$KAFKA_CONFIG" \
      </dev/null >"$KAFKA_LOG_DIR/kafka.out" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$KAFKA_PID_FILE"
    log "started Kafka $(kafka_version) (pid $pid), waiting up to ${KAFKA_START_TIMEOUT}s for it to be ready"
  fi

  # Ready = the broker says so AND the listener accepts connections (it opens only at the end).
  for ((i = 0; i < KAFKA_START_TIMEOUT * 2; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$KAFKA_PID_FILE"
      kafka_fail_with_logs "Kafka (pid $pid) exited during startup"
    fi
    if tail -c +"$((log_offset + 1))" "$KAFKA_LOG_DIR/server.log" 2>/dev/null | grep -q 'Kafka Server started' &&
      port_open 127.0.0.1 "$KAFKA_PORT"; then
      KAFKA_SUMMARY="up on 127.0.0.1:$KAFKA_PORT (Kafka $(kafka_version), pid $pid, jars ${KAFKA_LIBS_NOTE:-cached}, data $KAFKA_DATA_DIR)"
      return
    fi
    sleep 0.5
  done
  kafka_fail_with_logs "Kafka not ready after ${KAFKA_START_TIMEOUT}s (pid $pid is still running; 'scripts/infra.sh down' stops it)"
}

# SIGTERM gives a clean shutdown (no log recovery on the next start); SIGKILL only as a last resort.
kafka_stop() {
  local pid i
  if ! pid="$(kafka_pid)"; then
    rm -f "$KAFKA_PID_FILE"
    if pid="$(kafka_listener_pid)"; then
      log "no pid file, but Kafka pid $pid listens on port $KAFKA_PORT: stopping that one"
    else
      if port_open 127.0.0.1 "$KAFKA_PORT"; then
        die "something listens on 127.0.0.1:$KAFKA_PORT but it is not a broker this script can identify; not stopping it"
      fi
      log "Kafka: not running"
      return
    fi
  fi
  log "stopping Kafka (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < KAFKA_STOP_TIMEOUT * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "Kafka did not stop within ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  # Callers (fault-injection tests) rely on the port being closed when this returns.
  for ((i = 0; i < 40; i++)); do port_open 127.0.0.1 "$KAFKA_PORT" || break; sleep 0.25; done
  port_open 127.0.0.1 "$KAFKA_PORT" && die "port $KAFKA_PORT still open after stopping Kafka"
  rm -f "$KAFKA_PID_FILE"
  log "Kafka stopped (port $KAFKA_PORT closed)"
}

# -------------------------------------------------------------------- commands

cmd_up() {
  local t0 t
  t0="$(now_ms)"
  require_java_and_maven
  note_docker
  t="$(now_ms)"; ensure_mariadb; MARIADB_SUMMARY+=" [$(elapsed "$t")]"
  t="$(now_ms)"; ensure_redis; REDIS_SUMMARY+=" [$(elapsed "$t")]"
  t="$(now_ms)"; kafka_start; KAFKA_SUMMARY+=" [$(elapsed "$t")]"
  log "MariaDB: $MARIADB_SUMMARY"
  log "Redis:   $REDIS_SUMMARY"
  log "Kafka:   $KAFKA_SUMMARY"
  log "infrastructure up in $(elapsed "$t0")"
}

cmd_down() {
  local purge=false arg
  for arg in "$@"; do
    case "$arg" in
      --purge) purge=true ;;
      *) die "down: unknown option '$arg' (only --purge)" ;;
    esac
  done
  kafka_stop
  if $purge; then
    rm -rf "$KAFKA_HOME"
    rmdir "$REPO_ROOT/.infra" 2>/dev/null || true
    log "Kafka data and logs deleted ($KAFKA_HOME)"
  fi
  log "MariaDB and Redis left running (they are the machine's services)"
}

cmd_status() {
  local ok=0 pid rss
  if mariadb_up; then
    log "MariaDB: up on $MARIADB_HOST:$MARIADB_PORT"
  else
    log "MariaDB: DOWN ($MARIADB_HOST:$MARIADB_PORT)"; ok=1
  fi
  if redis_up; then
    log "Redis:   up on $REDIS_HOST:$REDIS_PORT"
  else
    log "Redis:   DOWN ($REDIS_HOST:$REDIS_PORT)"; ok=1
  fi
  if port_open 127.0.0.1 "$KAFKA_PORT"; then
    pid="$(kafka_pid || kafka_listener_pid || true)"
    rss="$([[ -n "$pid" ]] && ps -o rss= -p "$pid" | awk '{printf "%d MB", $1/1024}' || true)"
    log "Kafka:   up on 127.0.0.1:$KAFKA_PORT${pid:+ (pid $pid, RSS $rss)}"
  elif pid="$(kafka_pid)"; then
    log "Kafka:   STARTING (pid $pid, port $KAFKA_PORT not open yet)"; ok=1
  else
    log "Kafka:   DOWN (127.0.0.1:$KAFKA_PORT)"; ok=1
  fi
  return "$ok"
}

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down "$@" ;;
    status) cmd_status ;;
    kafka-stop) kafka_stop ;;
    kafka-start)
      local t0; t0="$(now_ms)"
      kafka_start
      log "Kafka:   $KAFKA_SUMMARY [$(elapsed "$t0")]"
      ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
