# Shared helpers for the reliability suite. Sourced by every tests/reliability/*.t:
#
#   . "$(dirname "$0")/lib.sh"
#
# Connection (unix socket only; defaults are scripts/pgcluster.sh's):
#   PK_SOCKET_DIR [/tmp/phoenix_kit_mig]  PK_PGPORT [54329]  PK_REL_DB [pk_reliability]
#   PK_PG_BIN [/usr/lib/postgresql/15/bin]
# scripts/reliability.sh creates PK_REL_DB fresh; a .t run on its own creates it if missing.
#
# TAP:     ok RC DESC | is GOT WANT DESC | isnt | like GOT REGEX DESC | skip N REASON | diag TEXT
#          todo RC DESC REASON (a known gap: reported by prove, not counted as a failure)
#          done_testing (prints the plan 1..N at the end and exits non-zero on failure)
#          covered_by_specs SPEC… (skips the whole test where the isolation specs run)
# SQL:     q SQL            psql script (statements run one by one), -At output, stops on error
#          qfx SQL          the same with the fixture and lib.sql loaded first (pg_temp helpers)
#          state SQL        runs SQL, prints the SQLSTATE of the first error or 00000
#          state_fx SQL     the same with the fixture and lib.sql loaded; the error text is
#                           kept in $REL_TMP/last.err (last_error prints it)
#          bg NAME SQL      psql in the background (application_name tagged, killed at exit)
#          fingerprint S    rows/columns/indexes/constraints/comment of schema S as "part=md5" lines
# Cleanup: every schema named "${REL_PREFIX}…" is dropped at exit, background jobs are killed
#          (by pid) and waited for, and this test's leftover backends are terminated (by
#          their application_name, which is unique to this test run).
set -u

export REL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REL_ROOT=$(cd "$REL_DIR/../.." && pwd)
REL_FIXTURE=$REL_ROOT/tests/fixtures/phoenix_kit_fixture.sql
REL_LIBSQL=$REL_DIR/lib.sql
PG_BIN=${PK_PG_BIN:-/usr/lib/postgresql/15/bin}
export PGHOST=${PK_SOCKET_DIR:-/tmp/phoenix_kit_mig}
export PGPORT=${PK_PGPORT:-54329}
export PGUSER=postgres
export PGDATABASE=${PK_REL_DB:-pk_reliability}
unset PGHOSTADDR PGSERVICE PGOPTIONS PGPASSWORD
REL_NAME=$(basename "$0" .t | tr -c 'a-z0-9_\n' '_')
# Schemas and roles this test creates start with this; it is what cleanup drops.
REL_PREFIX=rel_${REL_NAME#[0-9]*_}_
export PGAPPNAME=reltest_${REL_NAME}_$$
REL_TMP=$(mktemp -d "/tmp/pkmig-rel-${REL_NAME}.XXXXXX")
chmod 0755 "$REL_TMP"

_rel_n=0
_rel_failed=0
_rel_bg_pids=()
_rel_cleanups=()

# ------------------------------------------------------------------------------ TAP
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

ok() {
  local rc=$1; shift
  _rel_n=$((_rel_n + 1))
  if [ "$rc" = 0 ]; then
    printf 'ok %d - %s\n' "$_rel_n" "$*"
  else
    printf 'not ok %d - %s\n' "$_rel_n" "$*"
    _rel_failed=$((_rel_failed + 1))
  fi
}

is() {
  local got=$1 want=$2; shift 2
  if [ "$got" = "$want" ]; then ok 0 "$@"; else
    ok 1 "$@"
    diag "     got: '$got'" "expected: '$want'"
  fi
}

isnt() {
  local got=$1 unwanted=$2; shift 2
  if [ "$got" != "$unwanted" ]; then ok 0 "$@"; else ok 1 "$@"; diag "got '$got', which it must not be"; fi
}

like() {
  local got=$1 re=$2; shift 2
  if [[ $got =~ $re ]]; then ok 0 "$@"; else ok 1 "$@"; diag "     got: '$got'" "expected to match: /$re/"; fi
}

# todo RC DESC REASON: a known gap, not (yet) promised: "not ok … # TODO REASON" when it
# fails, which prove reports but does not count as a failure; a plain "ok" once it holds.
todo() {
  local rc=$1 desc=$2 reason=$3
  _rel_n=$((_rel_n + 1))
  if [ "$rc" = 0 ]; then printf 'ok %d - %s\n' "$_rel_n" "$desc"; else printf 'not ok %d - %s # TODO %s\n' "$_rel_n" "$desc" "$reason"; fi
}

skip() {
  local n=$1; shift
  local i
  for ((i = 0; i < n; i++)); do
    _rel_n=$((_rel_n + 1))
    printf 'ok %d # SKIP %s\n' "$_rel_n" "$*"
  done
}

# bail REASON: stop the whole run. Works from inside $(…) too: the message goes to the test's
# real stdout (fd 3) and the test script itself is terminated.
exec 3>&1
bail() { printf 'Bail out! %s\n' "$*" >&3; kill -TERM $$ 2>/dev/null; exit 255; }

# covered_by_specs SPEC…: where this major's tree has pg_isolation_regress, the isolation
# specs named (tests/isolation/specs/, scripts/isolation.sh) check everything this test checks,
# without sleeps or timing; the test then ends here, skipped, so each behaviour is tested once.
# PostgreSQL 13's tree has no isolation tester: there it runs.
covered_by_specs() {
  local tester=${PK_PG_ISOLATION_REGRESS:-$PG_BIN/../lib/pgxs/src/test/isolation/pg_isolation_regress}
  if [ -x "$tester" ]; then
    printf '1..0 # SKIP checked by the isolation specs %s (scripts/isolation.sh)\n' "$*"
    exit 0
  fi
}

done_testing() {
  printf '1..%d\n' "$_rel_n"
  [ "$_rel_failed" -eq 0 ] || exit 1
  exit 0
}

# ------------------------------------------------------------------------------ SQL
_psql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose "$@"; }

# q SQL: a psql script; prints rows unaligned with '|' between columns.
q() { _psql -At -f - <<<"$1"; }

# qfx SQL: like q, with the fixture functions and lib.sql loaded into the session first.
qfx() { _psql -At -f "$REL_FIXTURE" -f "$REL_LIBSQL" -f - <<<"$1"; }

_state_of() {
  # The first "ERROR:  XXXXX:" line psql printed (VERBOSITY verbose), else 00000.
  local s
  s=$(grep -m1 -oE 'ERROR:  [0-9A-Z]{5}:' "$REL_TMP/last.err" | cut -c9-13)
  printf '%s\n' "${s:-00000}"
}

# state SQL / state_fx SQL: run SQL (stopping at the first error), print the SQLSTATE of that
# error or 00000. Query output goes to $REL_TMP/last.out, messages to $REL_TMP/last.err.
state() { _psql -At -f - <<<"$1" >"$REL_TMP/last.out" 2>"$REL_TMP/last.err"; _state_of; }
state_fx() { _psql -At -f "$REL_FIXTURE" -f "$REL_LIBSQL" -f - <<<"$1" >"$REL_TMP/last.out" 2>"$REL_TMP/last.err"; _state_of; }
last_error() { grep -m1 -E 'ERROR:' "$REL_TMP/last.err" | sed 's/^psql:[^ ]* //'; }
last_out() { cat "$REL_TMP/last.out"; }

# bg NAME SQL: run a psql script in the background (output in $REL_TMP/NAME.out/.err);
# its application_name is "$PGAPPNAME:NAME". The pid is remembered for cleanup and for wait_bg.
declare -A REL_BG=()
bg() {
  local name=$1 sql=$2
  PGAPPNAME="$PGAPPNAME:$name" _psql -At -f - <<<"$sql" >"$REL_TMP/$name.out" 2>"$REL_TMP/$name.err" &
  REL_BG[$name]=$!
  _rel_bg_pids+=("$!")
}

# wait_bg NAME: wait for it; returns its exit status.
wait_bg() { local rc=0; wait "${REL_BG[$1]}" || rc=$?; return "$rc"; }

# wait_until TIMEOUT_S SQL: poll (every 50 ms) until SQL returns 't'; returns 1 on timeout.
wait_until() {
  local deadline=$((SECONDS + $1)) sql=$2
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(q "$sql" 2>/dev/null)" = t ] && return 0
    sleep 0.05
  done
  return 1
}

# waiting_on TABLE: number of backends of this test waiting for a lock on TABLE (regclass text).
waiting_on() {
  q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE NOT l.granted AND l.relation = '$1'::regclass AND a.application_name LIKE '$PGAPPNAME:%'"
}

# fingerprint SCHEMA: "part=md5" lines (fingerprint.sql; read-only, so it works on a standby too).
fingerprint() { _psql -At -v schema="$1" -f "$REL_DIR/fingerprint.sql"; }

# ------------------------------------------------------------------------------ lifecycle
on_exit() { _rel_cleanups+=("$1"); }

_rel_cleanup() {
  local rc=$? pid c
  for pid in "${_rel_bg_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${_rel_bg_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  # Backends of this run that outlived their psql (e.g. mid-statement when psql was killed).
  _psql -At -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE application_name LIKE '${PGAPPNAME}:%' AND pid <> pg_backend_pid()" >/dev/null 2>&1 || true
  for c in "${_rel_cleanups[@]}"; do
    eval "$c" >/dev/null 2>&1 || true
  done
  _psql -At -f - >/dev/null 2>&1 <<SQL || true
SET client_min_messages = warning;
DO \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace WHERE nspname LIKE '${REL_PREFIX}%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
END \$\$;
SQL
  rm -rf -- "$REL_TMP"
  exit "$rc"
}
trap _rel_cleanup EXIT
trap 'exit 130' INT TERM

# The suite database: created (with the extension) when a .t runs on its own.
_rel_ensure_db() {
  "$PG_BIN/pg_isready" -q || bail "no server on $PGHOST port $PGPORT (scripts/pgcluster.sh start)"
  if [ "$(PGDATABASE=postgres q "SELECT count(*) FROM pg_database WHERE datname = '$PGDATABASE'")" = 0 ]; then
    PGDATABASE=postgres q "CREATE DATABASE \"$PGDATABASE\"" >/dev/null 2>&1 || true
  fi
  q "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS phoenix_kit_mig" >/dev/null ||
    bail "cannot create extension phoenix_kit_mig in $PGDATABASE (scripts/install-extension.sh)"
}
_rel_ensure_db

# A fresh PhoenixKit schema "$REL_PREFIX$1" at version $2 (the fixture's tables, empty).
# Prints the schema name.
new_schema() {
  local s=$REL_PREFIX$1
  qfx "SELECT pg_temp.pk_fixture('$s', $2)" >/dev/null || bail "fixture $s"
  printf '%s\n' "$s"
}

# Seconds since the epoch with milliseconds, for timings in diagnostics.
now_ms() { date +%s%3N; }
