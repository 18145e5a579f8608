#!/usr/bin/env bash
# The psql-level test suite: what an operator sees in psql, compared with expected output.
#
#   scripts/regress.sh [--stop] [--no-install] [TEST...]
#
# 1. builds and installs the extension into the project-owned tree of PK_PG_MAJOR (default 15;
#    scripts/install-extension.sh; skipped with --no-install or PK_REGRESS_NO_INSTALL=1),
# 2. starts the throwaway cluster (scripts/pgcluster.sh start; a no-op when it runs already),
# 3. runs pg_regress over tests/regress/schedule (or only the TESTs named on the command
#    line, e.g. `scripts/regress.sh v114_down`) in a database it drops and recreates,
#    with results in target/regress/ (results/*.out, regression.diffs, regression.out),
# 4. prints regression.diffs and exits non-zero when a test fails.
#
# Any major: eval "$(scripts/pgmajors.sh env 17)" first (binaries, pg_regress, its own cluster).
# Where a major's output differs (error wording, catalog output) the alternative expected file
# tests/regress/expected/NAME_1.out carries it; pg_regress accepts either.
#
# The cluster is left running (the next run is faster, and you can look around with
# `scripts/pgcluster.sh psql -d pk_regress`). `--stop` or PK_STOP_CLUSTER=1 stops it at the
# end, whatever the outcome.
#
# Idempotent. Works as root (the server runs as the unprivileged PK_PG_USER, see
# scripts/pgcluster.sh) or as a user with sudo (install-extension.sh uses cargo pgrx --sudo).
#
# Each test file starts with `\i tests/regress/preamble.sql` (the settings, the fixture and
# tests/regress/helpers.sql), paths relative to the repository root, from where this script
# runs pg_regress.
#
# To accept new output after reading it line by line against docs/behaviour.md:
#   cp target/regress/results/NAME.out tests/regress/expected/NAME.out
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

PG_ROOT=$(scripts/pgmajors.sh root "${PK_PG_MAJOR:-15}")
PG_BIN=${PK_PG_BIN:-$PG_ROOT/bin}
PG_REGRESS=${PK_PG_REGRESS:-$PG_ROOT/lib/pgxs/src/test/regress/pg_regress}
export PK_PG_BIN=$PG_BIN
INPUT_DIR=tests/regress
OUTPUT_DIR=target/regress
DB_NAME=pk_regress
# Created (dropped first if left over) by pg_regress; used to check EXECUTE privileges.
TEST_ROLE=regress_pk_nobody

# shellcheck source=lib/suite.sh
. scripts/lib/suite.sh
suite_args regress 25 "$@"

[ -x "$PG_REGRESS" ] || die "$PG_REGRESS not found (scripts/setup.sh)"
[ -f "$INPUT_DIR/schedule" ] || die "$INPUT_DIR/schedule is missing"

suite_start

# A prepared transaction left by an interrupted run (v114_locks holds a lock in one) would
# keep pg_regress from dropping the database.
"$PG_BIN/psql" -X -q -At -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 &&
  "$PG_BIN/psql" -X -q -At -d "$DB_NAME" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT format('ROLLBACK PREPARED %L', gid) FROM pg_prepared_xacts WHERE database = current_database() \gexec
SQL

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

suite_run "$PG_REGRESS" "${args[@]}"
