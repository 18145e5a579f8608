#!/usr/bin/env bash
# A throwaway PostgreSQL cluster (any major of the matrix; 15 by default) for demos, psql-level
# tests and benchmarks.
#
#   scripts/pgcluster.sh start        initdb if needed, then start (no-op when already running)
#   scripts/pgcluster.sh stop         fast shutdown (no-op when not running)
#   scripts/pgcluster.sh status       exit 0 when running, 3 when not (like pg_ctl status)
#   scripts/pgcluster.sh env          print export lines:  eval "$(scripts/pgcluster.sh env)"
#   scripts/pgcluster.sh psql [args]  psql against the cluster as superuser "postgres"
#   scripts/pgcluster.sh destroy      stop and delete the data directory (the log is kept)
#
# Environment (defaults in brackets):
#   PK_CLUSTER_DIR  data directory                       [/tmp/phoenix_kit_mig/cluster]
#   PK_SOCKET_DIR   unix socket directory                [/tmp/phoenix_kit_mig]
#   PK_PGPORT       port (names the socket file only)    [54329]
#   PK_PG_USER      OS user running the server when the caller is root [pgtest]
#   PK_PG_MAJOR     major whose project-owned tree runs the server [15]
#   PK_PG_BIN       PostgreSQL server binaries  [that tree's bin/, scripts/pgmajors.sh root]
#   (scripts/pgmajors.sh env NN prints all of these for major NN's own cluster.)
#
# The server log is $PK_CLUSTER_DIR/../server.log. The cluster is NOT durable (fsync=off):
# never point PK_CLUSTER_DIR at data you care about.
set -euo pipefail

PG_BIN=${PK_PG_BIN:-$("$(dirname "$0")/pgmajors.sh" root "${PK_PG_MAJOR:-15}")/bin}
[ -x "$PG_BIN/postgres" ] || { printf 'pgcluster: error: %s\n' "no PostgreSQL in $PG_BIN (scripts/setup.sh)" >&2; exit 1; }
# The trees' libpqwalreceiver.so (a standby's connection to its primary) and contrib modules
# link libpq.so.5 by name: without the tree's lib/ first, the system's older libpq is loaded,
# which rejects newer connection options (pg_basebackup 17 writes "sslnegotiation" into a
# standby's primary_conninfo). Not for the system PostgreSQL (/usr/…), which has its own.
case $PG_BIN in
  /usr/*) ;;
  *) if [ -e "$PG_BIN/../lib/libpq.so.5" ]; then
       export LD_LIBRARY_PATH="$(cd "$PG_BIN/../lib" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
     fi ;;
esac
DATA_DIR=${PK_CLUSTER_DIR:-/tmp/phoenix_kit_mig/cluster}
SOCK_DIR=${PK_SOCKET_DIR:-/tmp/phoenix_kit_mig}
PORT=${PK_PGPORT:-54329}
DB_SUPERUSER=postgres

# Strip trailing slashes so dirname/.. below behave ("/x/cluster/" -> "/x/cluster").
DATA_DIR=${DATA_DIR%/}
SOCK_DIR=${SOCK_DIR%/}
BASE_DIR=$(dirname "$DATA_DIR")
LOG_FILE=$BASE_DIR/server.log

say() { printf 'pgcluster: %s\n' "$*"; }
die() { printf 'pgcluster: error: %s\n' "$*" >&2; exit 1; }

# PostgreSQL refuses to run as root. When we are root the server runs as PK_PG_USER;
# otherwise it runs as the caller (PK_PG_USER is then irrelevant).
if [ "$(id -u)" -eq 0 ]; then
  RUN_USER=${PK_PG_USER:-pgtest}
  [ "$RUN_USER" != root ] || die "PK_PG_USER must not be root (PostgreSQL refuses to run as root)"
else
  RUN_USER=$(id -un)
fi

# Run a command as RUN_USER. cd / first: the caller's cwd (e.g. /root) may be unreadable
# for RUN_USER, and initdb/postgres abort when they cannot resolve the current directory.
as_run_user() {
  if [ "$(id -un)" = "$RUN_USER" ]; then
    (cd / && "$@")
  elif command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$RUN_USER" -- "$@")
  else
    (cd / && sudo -n -u "$RUN_USER" -- "$@")
  fi
}

# Root only: make sure the unprivileged user exists (scripts/setup.sh creates it too; doing
# it here lets a demo work on a machine where setup.sh was not run).
ensure_run_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id "$RUN_USER" >/dev/null 2>&1; then
    say "creating OS user $RUN_USER (PostgreSQL cannot run as root)"
    useradd --create-home "$RUN_USER"
  fi
}

# Create a directory owned by RUN_USER if missing, and make it world-traversable so both
# root and RUN_USER (and other clients) can reach the socket and the log. An existing
# directory is left alone unless RUN_USER cannot write into it: then root takes it over for
# RUN_USER only under /tmp (throwaway by definition), never elsewhere (e.g. a home dir).
ensure_dir() {
  local d=$1
  if [ ! -d "$d" ]; then
    mkdir -p "$d"
    [ "$(id -u)" -ne 0 ] || chown "$RUN_USER": "$d"
    chmod 0755 "$d"
  elif ! as_run_user test -w "$d"; then
    if [ "$(id -u)" -eq 0 ] && case $d in /tmp/?*) true ;; *) false ;; esac; then
      say "giving $d to $RUN_USER"
      chown "$RUN_USER": "$d"
      chmod 0755 "$d"
    else
      die "$RUN_USER cannot write to $d; pick another directory (PK_CLUSTER_DIR / PK_SOCKET_DIR)"
    fi
  fi
  as_run_user test -x "$d" || die "$RUN_USER cannot reach $d (a parent directory is not traversable)"
}

have_cluster() { [ -f "$DATA_DIR/PG_VERSION" ]; }

# Who owns an existing data directory must be the one who runs it (postgres checks this).
check_owner() {
  [ -e "$DATA_DIR" ] || return 0
  local owner
  owner=$(stat -c %U "$DATA_DIR")
  [ "$owner" = "$RUN_USER" ] ||
    die "$DATA_DIR belongs to $owner, but the server would run as $RUN_USER; run as root with PK_PG_USER=$owner, or as $owner, or choose another PK_CLUSTER_DIR"
}

# 0 = running, 3 = not running; anything else = cannot tell (e.g. no permission).
server_state() {
  if ! have_cluster; then
    # Someone else's data dir (mode 0700) looks empty to us: report "cannot tell".
    if [ -d "$DATA_DIR" ] && ! { [ -r "$DATA_DIR" ] && [ -x "$DATA_DIR" ]; }; then return 4; fi
    return 3
  fi
  local rc=0
  as_run_user "$PG_BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1 || rc=$?
  return "$rc"
}

accepting() { "$PG_BIN/pg_isready" -q -h "$SOCK_DIR" -p "$PORT" >/dev/null 2>&1; }

write_conf() {
  # Regenerated on every start so that PK_PGPORT / PK_SOCKET_DIR changes take effect on an
  # existing cluster. postgresql.conf includes this file once (added at initdb time).
  as_run_user tee "$DATA_DIR/phoenix_kit_mig.conf" >/dev/null <<EOF
# Written by scripts/pgcluster.sh on every start; edits are overwritten.
# Unix socket only: no TCP listener, nothing reachable from outside the machine.
listen_addresses = ''
unix_socket_directories = '$SOCK_DIR'
unix_socket_permissions = 0777
port = $PORT
# Throwaway cluster: durability off makes loads and benchmarks of the data path faster.
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_wal_size = 4GB
checkpoint_timeout = 30min
# Enough to debug a failing test from the log without flooding it.
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
# Two-phase commit: the psql-level suite holds a lock in a prepared transaction to play a
# second session (no contrib needed, so it runs on every major).
max_prepared_transactions = 10
EOF
}

cmd_start() {
  ensure_run_user
  check_owner
  if server_state; then
    say "already running (data $DATA_DIR, socket $SOCK_DIR, port $PORT)"
    return 0
  fi
  if accepting; then
    die "another server already listens on $SOCK_DIR/.s.PGSQL.$PORT; stop it or set PK_PGPORT"
  fi
  ensure_dir "$SOCK_DIR"
  ensure_dir "$BASE_DIR"
  if ! have_cluster; then
    if [ -e "$DATA_DIR" ] && [ -n "$(ls -A "$DATA_DIR" 2>/dev/null)" ]; then
      die "$DATA_DIR exists, is not empty and is not a cluster; remove it or choose another PK_CLUSTER_DIR"
    fi
    say "initdb $DATA_DIR (superuser role $DB_SUPERUSER, trust auth, owner $RUN_USER)"
    # trust auth: the socket is the only way in and it lives in a private test directory.
    # C.UTF-8 collation: the locale the upstream behaviour was verified under (docs/upstream.md §0).
    local out quiet=()
    # --no-instructions exists from PostgreSQL 14 on.
    "$PG_BIN/initdb" --help 2>/dev/null | grep -q -- --no-instructions && quiet=(--no-instructions)
    out=$(as_run_user "$PG_BIN/initdb" -D "$DATA_DIR" -U "$DB_SUPERUSER" --auth=trust \
      -E UTF8 --locale=C.UTF-8 "${quiet[@]}" 2>&1) ||
      { printf '%s\n' "$out" >&2; die "initdb failed"; }
    printf "\ninclude_if_exists = 'phoenix_kit_mig.conf'\n" |
      as_run_user tee -a "$DATA_DIR/postgresql.conf" >/dev/null
  fi
  write_conf
  # pg_ctl would create the log owner-only; pre-create it readable so any user can debug.
  as_run_user touch "$LOG_FILE" && as_run_user chmod 0644 "$LOG_FILE" 2>/dev/null || true
  say "starting (log $LOG_FILE)"
  # Without RUST_BACKTRACE: pgrx would append a Rust backtrace to the DETAIL of every error
  # raised inside the extension, which is noise for an operator and breaks expected outputs.
  if ! as_run_user env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE "$PG_BIN/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 >/dev/null; then
    tail -n 20 "$LOG_FILE" >&2 || true
    die "server did not start; see $LOG_FILE"
  fi
  say "running: socket $SOCK_DIR, port $PORT, user $DB_SUPERUSER (eval \"\$($0 env)\")"
}

cmd_stop() {
  check_owner
  local rc=0
  server_state || rc=$?
  case $rc in
    0) as_run_user "$PG_BIN/pg_ctl" stop -D "$DATA_DIR" -m fast -w -t 60 >/dev/null
       say "stopped" ;;
    3) say "not running" ;;
    *) die "cannot query $DATA_DIR as $RUN_USER (permissions?)" ;;
  esac
}

cmd_status() {
  local rc=0
  server_state || rc=$?
  case $rc in
    0) say "running (data $DATA_DIR, socket $SOCK_DIR, port $PORT, server user $(stat -c %U "$DATA_DIR"))" ;;
    3) if have_cluster; then say "stopped (data $DATA_DIR)"; else say "no cluster at $DATA_DIR"; fi ;;
    *) # Data dir not readable by us (e.g. another user's cluster): ask the socket instead.
       if accepting; then say "running (socket $SOCK_DIR, port $PORT)"; rc=0
       else say "not reachable on $SOCK_DIR port $PORT"; rc=3; fi ;;
  esac
  return "$rc"
}

cmd_env() {
  printf 'export PGHOST=%q\n' "$SOCK_DIR"
  printf 'export PGPORT=%q\n' "$PORT"
  printf 'export PGUSER=%q\n' "$DB_SUPERUSER"
}

cmd_psql() {
  # Runs as the caller: the socket is world-connectable and auth is trust.
  exec "$PG_BIN/psql" -h "$SOCK_DIR" -p "$PORT" -U "$DB_SUPERUSER" "$@"
}

cmd_destroy() {
  cmd_stop
  if have_cluster; then
    rm -rf -- "$DATA_DIR"
    say "removed $DATA_DIR"
  elif [ -e "$DATA_DIR" ]; then
    die "$DATA_DIR is not a cluster; not removing it"
  else
    say "nothing to remove"
  fi
}

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

case ${1:-} in
  start)   cmd_start ;;
  stop)    cmd_stop ;;
  status)  cmd_status ;;
  env)     cmd_env ;;
  psql)    shift; cmd_psql "$@" ;;
  destroy) cmd_destroy ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
