#!/usr/bin/env bash
# A real Keycloak with the deployment realm (infra/keycloak), for the Keycloak test suite and for trying the
# platform against the identity provider deployments use.
#
#   scripts/keycloak.sh up       download (once), start and import the realm; waits until it answers
#   scripts/keycloak.sh down     stop it (`down --purge` also deletes the unpacked distribution)
#   scripts/keycloak.sh status   exit 1 when it is not answering
#
# Why not a container: the dev and CI machines have no Docker engine, but Maven Central serves Keycloak's
# server distribution (org.keycloak:keycloak-quarkus-dist), which runs on a JDK 21 or newer. It runs in
# development mode (`start-dev`: HTTP, H2 file database): fine for tests, never for production.
#
# Environment (all optional):
#   KEYCLOAK_PORT (8180), KEYCLOAK_JAVA_HOME (first JDK >= 21 under /usr/lib/jvm)
#   INFRA_CACHE ($HOME/.cache/cleaning-platform)   where the distribution is cached
#   KEYCLOAK_ADMIN_PASSWORD (admin)                  bootstrap admin of the master realm (user "admin")
#   FLEET_PARTNER_SECRET (fleet-partner-secret), FLEET_READONLY_SECRET (fleet-readonly-secret)
# shellcheck source=lib/background-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/background-server.sh" keycloak
KEYCLOAK_VERSION=26.7.3
KEYCLOAK_PORT="${KEYCLOAK_PORT:-8180}"
START_TIMEOUT=240
DIST="$SERVER_HOME/keycloak-$KEYCLOAK_VERSION"
REALM_FILE="$REPO_ROOT/infra/keycloak/cleaning-platform-realm.json"
REALM_URL="http://127.0.0.1:$KEYCLOAK_PORT/realms/cleaning-platform"

now_ms() { date +%s%3N; }
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100)); }

answering() { curl -fs -o /dev/null --max-time 2 "$REALM_URL/.well-known/openid-configuration"; }

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p'; }

# Keycloak 26 needs Java 21+, while the machine's default JDK (for Kafka) may be 17.
find_java_home() {
  local candidate major
  for candidate in ${KEYCLOAK_JAVA_HOME:-} ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [[ -x "$candidate/bin/java" ]] || continue
    major="$(java_major "$candidate")"
    [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 21)) && { printf '%s' "$candidate"; return; }
  done
  die "Keycloak $KEYCLOAK_VERSION needs a JDK 21 or newer: none found (set KEYCLOAK_JAVA_HOME)"
}

ensure_distribution() {
  [[ -x "$DIST/bin/kc.sh" ]] && return
  local zip="$INFRA_CACHE/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" tmp
  if [[ ! -f "$zip" ]]; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found: it fetches Keycloak from Maven Central"
    log "fetching Keycloak $KEYCLOAK_VERSION from Maven Central (about 180 MB, once)"
    mkdir -p "$INFRA_CACHE"
    tmp="$(mktemp -d "$INFRA_CACHE/.keycloak.XXXXXX")"
    mvn -B -q dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
      -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1 || { tail -n 30 "$tmp/mvn.log" >&2; die "mvn could not fetch Keycloak"; }
    mv "$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" "$zip"
    rm -rf "$tmp"
  fi
  mkdir -p "$SERVER_HOME"
  (cd "$SERVER_HOME" && unzip -q -o "$zip")
}


cmd_up() {
  local t0 pid java_home
  t0="$(now_ms)"
  if answering; then
    log "already answering on port $KEYCLOAK_PORT"
    return
  fi
  if ! pid="$(running_pid)"; then
    java_home="$(find_java_home)"
    ensure_distribution
    # A fresh database on every start: the realm file is the whole truth, and a changed file takes effect.
    rm -rf "$DIST/data"
    mkdir -p "$DIST/data/import"
    cp "$REALM_FILE" "$DIST/data/import/"
    # The realm file names its client secrets as ${VARIABLES}; Keycloak fills them in from the environment.
    JAVA_HOME="$java_home" \
      FLEET_PARTNER_SECRET="${FLEET_PARTNER_SECRET:-fleet-partner-secret}" \
      FLEET_READONLY_SECRET="${FLEET_READONLY_SECRET:-fleet-readonly-secret}" \
      KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}" \
      setsid nohup "$DIST/bin/kc.sh" start-dev --http-port "$KEYCLOAK_PORT" --http-host 127.0.0.1 \
      --hostname "http://127.0.0.1:$KEYCLOAK_PORT" --import-realm </dev/null >"$LOG_FILE" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"
    log "started Keycloak $KEYCLOAK_VERSION (pid $pid, $(java_major "$java_home" | sed 's/^/Java /')), waiting up to ${START_TIMEOUT}s"
  fi
  wait_until_answering Keycloak "$pid" "$START_TIMEOUT"
  log "up on 127.0.0.1:$KEYCLOAK_PORT, realm cleaning-platform [$(elapsed "$t0")]"
}

cmd_down() {
  # kc.sh execs java in the same process group, which stop_server signals.
  stop_server Keycloak 30
  if [[ "${1:-}" == --purge ]]; then
    rm -rf "$SERVER_HOME"
    log "deleted $SERVER_HOME"
  fi
}

cmd_status() {
  if answering; then log "up on 127.0.0.1:$KEYCLOAK_PORT"; else log "DOWN (127.0.0.1:$KEYCLOAK_PORT)"; return 1; fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  *) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
