#!/usr/bin/env bash
# The reliability and security suite: TAP scripts in tests/reliability/*.t, run by prove.
#
#   scripts/reliability.sh [--no-install] [--stop] [-v] [TEST...]
#
# 1. builds and installs the extension into the project-owned tree of PK_PG_MAJOR (default 15;
#    scripts/install-extension.sh; skipped with --no-install or PK_REL_NO_INSTALL=1),
# 2. starts the throwaway cluster (scripts/pgcluster.sh start; a no-op when it runs already),
# 3. creates a fresh database for the suite (PK_REL_DB, default pk_reliability; dropped
#    first if left over) with the extension,
# 4. runs prove over tests/reliability/*.t (or the TESTs given, e.g. 05_bad_input), each
#    bounded by PK_REL_TEST_TIMEOUT seconds (default 120), and drops the database again
#    (PK_REL_KEEP_DB=1 keeps it for a look around),
# 5. exits non-zero when any test fails.
#
# Environment (the cluster's, as scripts/pgcluster.sh reads them):
#   PK_CLUSTER_DIR [/tmp/phoenix_kit_mig/cluster]  PK_SOCKET_DIR [/tmp/phoenix_kit_mig]
#   PK_PGPORT [54329]  PK_PG_MAJOR [15]  PK_PG_BIN [that major's tree]  PK_PG_USER [pgtest]
#   (any major: eval "$(scripts/pgmajors.sh env 17)" first)
# Knobs of the tests: PK_REL_ROWS (01), PK_REL_FAULT_ROWS/PK_REL_FAULT_AT (02),
#   PK_REL_CONC_ROWS/PK_REL_WRITERS/PK_REL_WRITER_ITER (03), PK_REL_NO_STANDBY=1,
#   PK_REL_STANDBY_MAX_MB, PK_REL_STANDBY_PORT (07).
# Also runs core/tests/fuzz.rs (cargo test -p phoenix_kit_mig_core --test fuzz) when
# PK_REL_FUZZ=1; scripts/test.sh runs it anyway with the core crate's tests.
#
# Only the unix socket is used. The cluster is left running (--stop or PK_STOP_CLUSTER=1
# stops it at the end). Works as root (the server runs as PK_PG_USER) or as a sudo user.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

export PK_CLUSTER_DIR=${PK_CLUSTER_DIR:-/tmp/phoenix_kit_mig/cluster}
export PK_SOCKET_DIR=${PK_SOCKET_DIR:-/tmp/phoenix_kit_mig}
export PK_PGPORT=${PK_PGPORT:-54329}
export PK_REL_DB=${PK_REL_DB:-pk_reliability}
PG_BIN=${PK_PG_BIN:-$(scripts/pgmajors.sh root "${PK_PG_MAJOR:-15}")/bin}
export PK_PG_BIN=$PG_BIN   # the .t files (lib.sh) use this major's psql, pg_dump, pg_ctl …
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

die() { printf 'reliability: error: %s\n' "$*" >&2; exit 2; }
say() { printf 'reliability: %s\n' "$*"; }

install=1
[ "${PK_REL_NO_INSTALL:-0}" = 1 ] && install=0
stop=${PK_STOP_CLUSTER:-0}
verbose=()
tests=()
for arg in "$@"; do
  case $arg in
    --no-install) install=0 ;;
    --stop) stop=1 ;;
    -v|--verbose) verbose=(-v) ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $arg (see --help)" ;;
    *) t=${arg%.t}; t=${t##*/}; tests+=("tests/reliability/$t.t") ;;
  esac
done
[ "${#tests[@]}" -gt 0 ] || tests=(tests/reliability/*.t)
for t in "${tests[@]}"; do [ -x "$t" ] || die "$t is missing or not executable"; done
command -v prove >/dev/null || die "prove (perl's TAP harness) is missing: apt-get install perl"
command -v jq >/dev/null || die "jq is missing: apt-get install jq"

started=$SECONDS
if [ "$install" = 1 ]; then
  say "installing the extension (scripts/install-extension.sh)"
  scripts/install-extension.sh >/dev/null || die "scripts/install-extension.sh failed"
fi
scripts/pgcluster.sh start

psql_admin() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PK_SOCKET_DIR" -p "$PK_PGPORT" -U postgres "$@"; }
drop_db() {
  psql_admin -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$PK_REL_DB\" WITH (FORCE)"
}
cleanup() {
  local rc=$?
  if [ "${PK_REL_KEEP_DB:-0}" != 1 ]; then drop_db || true; fi
  if [ "$stop" = 1 ]; then scripts/pgcluster.sh stop || true; fi
  exit "$rc"
}
trap cleanup EXIT
drop_db
psql_admin -d postgres -c "CREATE DATABASE \"$PK_REL_DB\""
# The throwaway cluster runs with synchronous_commit = off (scripts/pgcluster.sh); the suite's
# database does not: 07_readonly_standby.t waits for the standby to replay up to
# pg_current_wal_lsn(), which with asynchronous commit can lie before the migrations' commit
# records (it did on PostgreSQL 17: the standby was checked before it had them).
psql_admin -d postgres -c "ALTER DATABASE \"$PK_REL_DB\" SET synchronous_commit = on"
psql_admin -d "$PK_REL_DB" -c "CREATE EXTENSION phoenix_kit_mig"
say "database $PK_REL_DB on $PK_SOCKET_DIR port $PK_PGPORT; running ${#tests[@]} test script(s)"

rc=0
prove --timer "${verbose[@]}" --exec "timeout -k 10 ${PK_REL_TEST_TIMEOUT:-120}" "${tests[@]}" || rc=$?
if [ "${PK_REL_FUZZ:-0}" = 1 ]; then
  say "core/tests/fuzz.rs"
  cargo test -q -p phoenix_kit_mig_core --test fuzz || rc=$?
fi
say "finished in $((SECONDS - started)) s: $([ "$rc" = 0 ] && echo PASS || echo FAIL)"
exit "$rc"
