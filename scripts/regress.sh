#!/usr/bin/env bash
# The psql-level test suite: what an operator sees in psql, compared with expected output.
#
#   scripts/regress.sh [--stop] [--no-install] [TEST...]
#
# 1. builds and installs the extension into the system PostgreSQL 15
#    (scripts/install-extension.sh; skipped with --no-install or PK_REGRESS_NO_INSTALL=1),
# 2. starts the throwaway cluster (scripts/pgcluster.sh start; a no-op when it runs already),
# 3. runs pg_regress over tests/regress/schedule (or only the TESTs named on the command
#    line, e.g. `scripts/regress.sh v114_down`) in a database it drops and recreates,
#    with results in target/regress/ (results/*.out, regression.diffs, regression.out),
# 4. prints regression.diffs and exits non-zero when a test fails.
#
# The cluster is left running (the next run is faster, and you can look around with
# `scripts/pgcluster.sh psql -d pk_regress`). `--stop` or PK_STOP_CLUSTER=1 stops it at the
# end, whatever the outcome.
#
# Idempotent. Works as root (the server runs as the unprivileged PK_PG_USER, see
# scripts/pgcluster.sh) or as a user with sudo (install-extension.sh uses cargo pgrx --sudo).
#
# The test files load the fixture with `\i tests/fixtures/phoenix_kit_fixture.sql`: pg_regress
# runs psql in its own working directory, so this script runs it from the repository root.
#
# To accept new output after reading it line by line against CONTRACT.md:
#   cp target/regress/results/NAME.out tests/regress/expected/NAME.out
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

PG_BIN=${PK_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_REGRESS=${PK_PG_REGRESS:-/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress}
INPUT_DIR=tests/regress
OUTPUT_DIR=target/regress
DB_NAME=pk_regress
# Created (dropped first if left over) by pg_regress; used to check EXECUTE privileges.
TEST_ROLE=regress_pk_nobody

die() { printf 'regress: error: %s\n' "$*" >&2; exit 2; }
say() { printf 'regress: %s\n' "$*"; }

stop=${PK_STOP_CLUSTER:-0}
install=1
[ "${PK_REGRESS_NO_INSTALL:-0}" = 1 ] && install=0
tests=()
for arg in "$@"; do
  case $arg in
    --stop) stop=1 ;;
    --no-install) install=0 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $arg (see --help)" ;;
    *) tests+=("$arg") ;;
  esac
done

[ -x "$PG_REGRESS" ] || die "$PG_REGRESS not found (apt-get install postgresql-server-dev-15, or scripts/setup.sh)"
[ -f "$INPUT_DIR/schedule" ] || die "$INPUT_DIR/schedule is missing"

if [ "$stop" = 1 ]; then
  trap 'scripts/pgcluster.sh stop || true' EXIT
fi

if [ "$install" = 1 ]; then
  scripts/install-extension.sh
fi

# pgcluster.sh starts the server without RUST_BACKTRACE, so no Rust backtrace is appended to
# the DETAIL of errors and the expected output does not depend on the machine.
scripts/pgcluster.sh start
eval "$(scripts/pgcluster.sh env)"   # PGHOST (the socket directory), PGPORT, PGUSER

# Start from nothing: stale results/ from an earlier run would otherwise be mistaken for
# this run's (pg_regress overwrites only the files of the tests it runs).
rm -rf "$OUTPUT_DIR"
mkdir -p "$OUTPUT_DIR"

args=(
  --bindir="$PG_BIN"
  --host="$PGHOST"
  --port="$PGPORT"
  --user="$PGUSER"
  --dbname="$DB_NAME"
  --create-role="$TEST_ROLE"
  --inputdir="$INPUT_DIR"
  --outputdir="$OUTPUT_DIR"
)
if [ ${#tests[@]} -gt 0 ]; then
  args+=("${tests[@]}")
else
  args+=(--schedule="$INPUT_DIR/schedule")
fi

# The expected files are UTF-8 (unicode keys): do not let the caller's locale pick another
# client encoding.
export PGCLIENTENCODING=UTF8
unset PGDATABASE PGOPTIONS PGTZ PGDATESTYLE

say "$PG_REGRESS ${args[*]}"
rc=0
"$PG_REGRESS" "${args[@]}" || rc=$?

if [ "$rc" -ne 0 ]; then
  if [ -s "$OUTPUT_DIR/regression.diffs" ]; then
    say "differences (also in $OUTPUT_DIR/regression.diffs):"
    cat "$OUTPUT_DIR/regression.diffs"
  fi
  say "FAILED (pg_regress exit $rc); outputs in $OUTPUT_DIR/results/"
  exit 1
fi
say "all tests passed (outputs in $OUTPUT_DIR/results/)"
if [ "$stop" != 1 ]; then
  say "the cluster is still running; stop it with scripts/pgcluster.sh stop (or pass --stop next time)"
fi
