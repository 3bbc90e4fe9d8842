#!/usr/bin/env bash
# Throwaway PostgreSQL 15 + pgvector 0.8.0 + PgBouncer 1.18 (transaction pooling) for tests/CI.
# Must run as root (Debian bookworm); the daemons run as the `postgres` OS user.
#
# Usage: scripts/postgres.sh install|start|env|stop|status
#   install  apt-get install postgres/pgbouncer/build tools; build pgvector 0.8.0 from Debian trixie's source
#   start    install if needed, then init + start both (no-op if running); last two lines printed are
#            DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres
#            PGBOUNCER_URL=postgres://postgres@127.0.0.1:64329/postgres
#   env      the same two URLs as `export X=...` lines:  eval "$(scripts/postgres.sh env)"
#   stop     stop both and delete the data directory (idempotent)
#   status   say whether each is running (exit 0 only if both are)
# Env: TENANTDB_PG_PORT (54329), TENANTDB_PGB_PORT (64329),
#      TENANTDB_PG_DIR (/tmp/tenantdb-pg; must be traversable by the postgres user)
set -euo pipefail

PG_PORT=${TENANTDB_PG_PORT:-54329}
PGB_PORT=${TENANTDB_PGB_PORT:-64329}
DIR=${TENANTDB_PG_DIR:-/tmp/tenantdb-pg}
PGBIN=/usr/lib/postgresql/15/bin
PGBOUNCER=/usr/sbin/pgbouncer
PGVECTOR_VERSION=0.8.0
VECTOR_CONTROL=/usr/share/postgresql/15/extension/vector.control
APT_DIR=/tmp/tenantdb-apt   # private apt state used only to fetch pgvector's source from trixie
PACKAGES=(postgresql-15 postgresql-server-dev-15 postgresql-contrib pgbouncer build-essential dpkg-dev)
PIN_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pgvector.sha256"

log() { echo "postgres.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_pg() { (cd / && runuser -u postgres -- "$@"); }
pg_url() { echo "postgres://postgres@127.0.0.1:$1/postgres"; }
psql_ok() { "$PGBIN/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atqc "${2:-select 1}" </dev/null 2>/dev/null; }

# Start a daemon fully detached: new session, stdio from/to files, no other inherited descriptors.
detached() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}; (( fd > 2 && fd != 255 )) && eval "exec $fd>&-"
    done
    exec setsid -w "$@" </dev/null >>"$DIR/daemon-start.log" 2>&1
  )
}

vector_installed() { grep -qs "default_version = '$PGVECTOR_VERSION'" "$VECTOR_CONTROL"; }
installed() { [[ -x $PGBIN/postgres && -x $PGBOUNCER && -x $PGBIN/pg_config ]] && vector_installed; }
pg_running() { [[ -f $DIR/data/PG_VERSION ]] && as_pg "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; }
pgb_running() { [[ -s $DIR/pgbouncer.pid ]] && kill -0 "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null; }

apt_install() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  (( ${#missing[@]} )) || return 0
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the lists only if some package has no candidate yet, or if installing fails (stale lists).
  if (( $(apt-cache policy "${missing[@]}" 2>/dev/null | grep -c 'Candidate: [^(]') < ${#missing[@]} )); then
    apt-get update
  fi
  apt-get install -y --no-install-recommends "${missing[@]}" ||
    { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
}

# The Debian mirror this machine already uses (e.g. http://deb.debian.org/debian).
debian_mirror() {
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
      grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ' || true)
  m=${m%/}; echo "${m:-http://deb.debian.org/debian}"
}

build_pgvector() {
  vector_installed && { log "pgvector $PGVECTOR_VERSION already installed"; return 0; }
  local mirror; mirror=$(debian_mirror)
  log "fetching pgvector source from $mirror trixie (private apt state in $APT_DIR)"
  rm -rf "$APT_DIR"
  mkdir -p "$APT_DIR"/{state/lists/partial,cache/archives/partial,sources.list.d,src}
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$APT_DIR/sources.list"
  local opts=(-o "Dir::State=$APT_DIR/state" -o "Dir::Cache=$APT_DIR/cache"
              -o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o "Dir::Etc::SourceParts=$APT_DIR/sources.list.d"
              -o "APT::Update::Post-Invoke-Success::=" -o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" update

  # Expected version and orig-tarball sha256, from the (signature-verified) trixie Sources index.
  local sources stanza version sha file
  sources=$(ls "$APT_DIR"/state/lists/*_trixie_main_source_Sources*) || die "apt did not fetch trixie's Sources"
  stanza=$(/usr/lib/apt/apt-helper cat-file "$sources" | awk -v RS= '/(^|\n)Package: pgvector\n/')
  version=$(awk '/^Version:/ {print $2}' <<<"$stanza")
  [[ ${version%-*} == "$PGVECTOR_VERSION" ]] || die "trixie has pgvector '$version', expected $PGVECTOR_VERSION"
  read -r sha file < <(awk '/^Checksums-Sha256:/ {f=1; next} /^[^ ]/ {f=0} f && $3 ~ /\.orig\.tar\./ {print $1, $3}' <<<"$stanza") || true
  [[ -n ${sha:-} ]] || die "no orig tarball checksum for pgvector in $sources"

  cd "$APT_DIR/src"
  apt-get "${opts[@]}" source --download-only "pgvector=$version"
  echo "$sha  $file" | sha256sum -c - || die "sha256 of $file does not match trixie's Sources index"
  if [[ -f $PIN_FILE ]]; then sha256sum -c "$PIN_FILE" || die "$file does not match $PIN_FILE"; fi
  log "verified $file sha256 $sha"
  if command -v dpkg-source >/dev/null; then
    dpkg-source -x ./*.dsc build   # orig + Debian patches
  else
    mkdir build && tar -xf "$file" -C build --strip-components=1
  fi
  make -C build -j"$(nproc)" PG_CONFIG="$PGBIN/pg_config" OPTFLAGS=""
  make -C build install PG_CONFIG="$PGBIN/pg_config" OPTFLAGS=""
  cd / && rm -rf "$APT_DIR"
  vector_installed || die "pgvector install did not produce $VECTOR_CONTROL with version $PGVECTOR_VERSION"
}

cmd_install() {
  [[ $(id -u) == 0 ]] || die "install must run as root"
  apt_install
  build_pgvector
}

start_postgres() {
  if [[ ! -f $DIR/data/PG_VERSION ]]; then
    as_pg "$PGBIN/initdb" -D "$DIR/data" -E UTF8 --locale=C.UTF-8 -U postgres --auth=trust \
      </dev/null >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    cat >>"$DIR/data/postgresql.conf" <<EOF
# --- tenantdb test cluster (durability off: throwaway data) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$DIR'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' >"$DIR/data/pg_hba.conf"
  fi
  detached runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 start ||
    { tail -n 30 "$DIR/postgres.log" >&2 || true; die "postgres failed to start"; }
}

start_pgbouncer() {
  printf '"%s" ""\n' postgres tenantdb_app tenantdb_owner >"$DIR/userlist.txt"
  cat >"$DIR/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir = $DIR
auth_type = trust
auth_file = $DIR/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
max_db_connections = 0
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
EOF
  chown postgres:postgres "$DIR/userlist.txt" "$DIR/pgbouncer.ini"
  detached runuser -u postgres -- "$PGBOUNCER" -d "$DIR/pgbouncer.ini" ||
    { tail -n 30 "$DIR/pgbouncer.log" >&2 || true; die "pgbouncer failed to start"; }
}

wait_for() { # port name
  local i
  for i in $(seq 1 60); do psql_ok "$1" >/dev/null && return 0; sleep 0.5; done
  die "$2 on 127.0.0.1:$1 does not accept connections (logs in $DIR)"
}

cmd_start() {
  [[ $(id -u) == 0 ]] || die "start must run as root"
  installed || cmd_install
  install -d -o postgres -g postgres -m 700 "$DIR"
  touch "$DIR/.tenantdb-pg"
  if pg_running; then log "postgres already running"; else start_postgres; fi
  wait_for "$PG_PORT" postgres
  if pgb_running; then log "pgbouncer already running"; else start_pgbouncer; fi
  wait_for "$PGB_PORT" pgbouncer
  local v; v=$(psql_ok "$PG_PORT" "SELECT default_version FROM pg_available_extensions WHERE name='vector'")
  [[ $v == "$PGVECTOR_VERSION" ]] || die "pg_available_extensions shows vector '$v', expected $PGVECTOR_VERSION"
  echo "DATABASE_URL=$(pg_url "$PG_PORT")"
  echo "PGBOUNCER_URL=$(pg_url "$PGB_PORT")"
}

cmd_stop() {
  [[ -d $DIR ]] || { log "nothing to stop ($DIR does not exist)"; return 0; }
  [[ -f $DIR/.tenantdb-pg ]] || die "$DIR was not created by this script; refusing to delete it"
  if pgb_running; then
    local pid; pid=$(cat "$DIR/pgbouncer.pid"); kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if pg_running; then as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop </dev/null >/dev/null; fi
  rm -rf "$DIR"
  log "stopped; removed $DIR"
}

cmd_status() {
  local rc=0
  if pg_running; then echo "postgres: running  $(pg_url "$PG_PORT")"; else echo "postgres: stopped"; rc=3; fi
  if pgb_running; then echo "pgbouncer: running $(pg_url "$PGB_PORT")"; else echo "pgbouncer: stopped"; rc=3; fi
  return $rc
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  env) echo "export DATABASE_URL=$(pg_url "$PG_PORT")"; echo "export PGBOUNCER_URL=$(pg_url "$PGB_PORT")" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
