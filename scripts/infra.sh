#!/usr/bin/env bash
# Local infrastructure for development, tests and CI: MariaDB, Redis, Kafka.
#
#   scripts/infra.sh up            ensure MariaDB (+ per-service DBs/users), Redis and Kafka are running
#   scripts/infra.sh down [--purge] stop Kafka (--purge also deletes its data); MariaDB/Redis stay up
#   scripts/infra.sh status        one line per component; exit 1 if any is down
#   scripts/infra.sh kafka-stop    stop the broker, keep its data (fault-injection tests)
#   scripts/infra.sh kafka-start   start the broker again on the same data
#   scripts/infra.sh kafka-env P   print the KAFKA_* settings (exports) that connect as principal P
#
# Kafka listens on KAFKA_PORT with SASL_SSL only, as a managed Kafka does: TLS with a CA generated here
# (.infra/kafka/security/ca.pem), SCRAM-SHA-512 users (one per principal of infra/kafka/acls.tsv, plus the
# super user "admin"; passwords in .infra/kafka/security/users/), and the StandardAuthorizer, which denies
# whatever the ACLs do not allow. There is no PLAINTEXT listener: every client, tests included, authenticates.
# The controller listener takes only clients with a certificate from that CA (the broker itself).
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
#   {CUSTOMER,VEHICLE,CLEANER,BOOKING,CONFIGURATION,NOTIFICATION,WEBHOOK}_DB_NAME      (customer_db, ...)
#   {CUSTOMER,VEHICLE,CLEANER,BOOKING,CONFIGURATION,NOTIFICATION,WEBHOOK}_DB_USER      (customer_svc, ...)
#   {CUSTOMER,VEHICLE,CLEANER,BOOKING,CONFIGURATION,NOTIFICATION,WEBHOOK}_DB_PASSWORD  (customer_pw, ...)
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
# CA, broker keystore and SCRAM passwords: made once with the data directory, deleted with it.
KAFKA_SECURITY_DIR="$KAFKA_HOME/security"
KAFKA_ACLS="$KAFKA_SRC/acls.tsv"
# Bumped when the broker's security set-up changes in a way that older data directories lack.
KAFKA_SECURITY_LAYOUT=1

SERVICES=(customer vehicle cleaner booking configuration notification webhook)

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

# ------------------------------------------------------------- Kafka security

# The SCRAM users: the super user, then every principal named in the ACL file.
kafka_principals() {
  printf 'admin\n'
  grep -v -e '^#' -e '^[[:space:]]*$' "$KAFKA_ACLS" | cut -f1 | tr ',' '\n' | sort -u
}

password_of() { cat "$KAFKA_SECURITY_DIR/users/$1.password"; }

# What the data directory was formatted with: a different principal list or layout means a new format.
kafka_security_stamp() {
  printf 'layout %s\nusers %s\n' "$KAFKA_SECURITY_LAYOUT" "$(kafka_principals | tr '\n' ' ')"
}

# Test data is disposable: a data directory formatted before SASL_SSL (or for other users) is made again,
# so that a rebased checkout needs no manual step.
reset_kafka_data_if_outdated() {
  [[ -f "$KAFKA_DATA_DIR/meta.properties" ]] || return 0
  if [[ -f "$KAFKA_SECURITY_DIR/stamp" && "$(cat "$KAFKA_SECURITY_DIR/stamp")" == "$(kafka_security_stamp)" ]]; then
    return 0
  fi
  log "Kafka data in $KAFKA_DATA_DIR predates its current users or TLS set-up: deleting it (test data)"
  rm -rf "$KAFKA_DATA_DIR" "$KAFKA_SECURITY_DIR"
}

# A CA, a broker certificate for 127.0.0.1/localhost signed by it (PKCS12 keystore), one password per user.
ensure_kafka_security() {
  command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install openssl): it makes the broker's certificates"
  local dir="$KAFKA_SECURITY_DIR" name
  mkdir -p "$dir/users"
  chmod 700 "$dir"
  if [[ ! -f "$dir/broker.p12" ]]; then
    log "generating a CA and the broker's certificate in $dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=cleaning-platform-test-ca" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null || die "openssl could not make the CA"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kafka-broker" \
      -keyout "$dir/broker.key" -out "$dir/broker.csr" 2>/dev/null || die "openssl could not make the broker key"
    openssl x509 -req -in "$dir/broker.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 3650 \
      -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n') \
      -out "$dir/broker.pem" 2>/dev/null || die "openssl could not sign the broker certificate"
    (umask 077 && openssl rand -hex 24 >"$dir/keystore.password")
    openssl pkcs12 -export -in "$dir/broker.pem" -inkey "$dir/broker.key" -name kafka-broker \
      -passout "file:$dir/keystore.password" -out "$dir/broker.p12" || die "openssl could not write the keystore"
    rm -f "$dir/broker.csr" "$dir/ca.srl"
  fi
  for name in $(kafka_principals); do
    [[ -f "$dir/users/$name.password" ]] || (umask 077 && openssl rand -hex 24 >"$dir/users/$name.password")
  done
}

# The settings an application process (config/connection-security.ts) needs to connect as principal $1.
cmd_kafka_env() {
  local principal="${1:-}"
  [[ -n "$principal" ]] || die "kafka-env: name a principal ($(kafka_principals | tr '\n' ' '))"
  [[ -f "$KAFKA_SECURITY_DIR/users/$principal.password" ]] ||
    die "kafka-env: no user '$principal' (run 'up' first; principals: $(kafka_principals | tr '\n' ' '))"
  printf 'export KAFKA_TLS=true\n'
  printf 'export KAFKA_TLS_CA_FILE=%q\n' "$KAFKA_SECURITY_DIR/ca.pem"
  printf 'export KAFKA_SASL_MECHANISM=scram-sha-512\n'
  printf 'export KAFKA_SASL_USERNAME=%q\n' "$principal"
  printf 'export KAFKA_SASL_PASSWORD_FILE=%q\n' "$KAFKA_SECURITY_DIR/users/$principal.password"
}

write_kafka_config() {
  mkdir -p "$KAFKA_DATA_DIR" "$KAFKA_LOG_DIR"
  # It holds the keystore and admin passwords: readable by this user only.
  (umask 077 && sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@KAFKA_DATA_DIR@|$KAFKA_DATA_DIR|g" \
    -e "s|@KAFKA_SECURITY_DIR@|$KAFKA_SECURITY_DIR|g" \
    -e "s|@KEYSTORE_PASSWORD@|$(cat "$KAFKA_SECURITY_DIR/keystore.password")|g" \
    -e "s|@ADMIN_PASSWORD@|$(password_of admin)|g" \
    "$KAFKA_SRC/server.properties.template" >"$KAFKA_CONFIG")
}

# KRaft refuses to start on an unformatted log dir; format once, keep data afterwards.
format_kafka_storage() {
  local libs="$1" cluster_id
  [[ -f "$KAFKA_DATA_DIR/meta.properties" ]] && return
  cluster_id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  [[ -n "$cluster_id" ]] || die "kafka.tools.StorageTool random-uuid printed nothing"
  log "formatting Kafka storage in $KAFKA_DATA_DIR (cluster id $cluster_id, SCRAM users $(kafka_principals | tr '\n' ' '))"
  # The SCRAM credentials go into the cluster's bootstrap metadata, so they exist before the first client.
  local scram=() name
  for name in $(kafka_principals); do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$(password_of "$name")]")
  done
  # Static controller.quorum.voters: no --standalone (that is for dynamic quorums).
  java -cp "$libs/*" -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2.properties" -Dkafka.logs.dir="$KAFKA_LOG_DIR" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONFIG" "${scram[@]}" >"$KAFKA_LOG_DIR/format.log" 2>&1 ||
    { cat "$KAFKA_LOG_DIR/format.log" >&2; die "formatting Kafka storage failed"; }
  kafka_security_stamp >"$KAFKA_SECURITY_DIR/stamp"
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
  # A broker of this checkout started before it had SASL_SSL would take no client of the current code.
  if port_open 127.0.0.1 "$KAFKA_PORT" && pid="$(kafka_pid)" && ! grep -q '^listeners=SASL_SSL:' "$KAFKA_CONFIG"; then
    log "the broker on 127.0.0.1:$KAFKA_PORT (pid $pid) runs the plaintext configuration of an older checkout: restarting it"
    kafka_stop
  fi
  # Clients take their CA and passwords from this checkout's .infra/kafka/security: another checkout's
  # broker on the port would refuse them all.
  if port_open 127.0.0.1 "$KAFKA_PORT" && ! kafka_pid >/dev/null && [[ ! -f "$KAFKA_SECURITY_DIR/stamp" ]]; then
    die "a broker of another checkout listens on 127.0.0.1:$KAFKA_PORT: its CA and users are not this checkout's ($KAFKA_SECURITY_DIR); stop it, or set KAFKA_PORT and KAFKA_CONTROLLER_PORT to free ports"
  fi
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
    reset_kafka_data_if_outdated
    ensure_kafka_security
    write_kafka_config
    format_kafka_storage "$libs"
    # Only what this start logs counts when waiting for "Kafka Server started".
    log_offset="$(stat -c %s "$KAFKA_LOG_DIR/server.log" 2>/dev/null || echo 0)"
    # setsid + nohup: the broker must outlive this script and the terminal/CI step that ran it.
    # The parallel collector, not Kafka's default G1: on two cores that the broker shares with the platform's
    # nodes, the broker used 13 to 18 % less CPU with it and the cluster served 13 to 60 % more reads a second
    # (docs/benchmarks.md, change table). A broker on cores of its own keeps Kafka's default.
    # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several options on purpose
    setsid nohup java $KAFKA_HEAP_OPTS -XX:+UseParallelGC -Djava.awt.headless=true \
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

# The ACLs of the default NAMESPACE (cleaning, no topic prefix), so that the README's hand-started nodes
# can work; the cluster tests grant their own namespaces. Needs the project's Node (npm ci).
grant_default_acls() {
  local node="$REPO_ROOT/node_modules/.bin/node"
  if [[ ! -x "$node" ]]; then
    KAFKA_SUMMARY+="; ACLs not granted (run npm ci, then 'npm run kafka:acls' as admin: see README)"
    return
  fi
  (eval "$(cmd_kafka_env admin)" && cd "$REPO_ROOT" &&
    TRANSPORTER_URL="kafka://127.0.0.1:$KAFKA_PORT" NAMESPACE=cleaning EVENTS_TOPIC_PREFIX="" \
      "$node" scripts/kafka-acls.ts 2>"$KAFKA_LOG_DIR/acls.err" >/dev/null) ||
    { cat "$KAFKA_LOG_DIR/acls.err" >&2; die "granting the ACLs of namespace cleaning failed"; }
  KAFKA_SUMMARY+="; ACLs of namespace cleaning granted"
}

cmd_up() {
  local t0 t
  t0="$(now_ms)"
  require_java_and_maven
  note_docker
  t="$(now_ms)"; ensure_mariadb; MARIADB_SUMMARY+=" [$(elapsed "$t")]"
  t="$(now_ms)"; ensure_redis; REDIS_SUMMARY+=" [$(elapsed "$t")]"
  t="$(now_ms)"; kafka_start; grant_default_acls; KAFKA_SUMMARY+=" [$(elapsed "$t")]"
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
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down "$@" ;;
    status) cmd_status ;;
    kafka-stop) kafka_stop ;;
    kafka-env) cmd_kafka_env "$@" ;;
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
