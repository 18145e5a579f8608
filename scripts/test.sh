#!/usr/bin/env bash
# Runs every test: the core crate's unit, property and fuzz tests, the #[pg_test]s against
# pgrx's PostgreSQL 15 test server, and against a real throwaway cluster the psql-level suite,
# the reliability suite and the benchmark at a tiny size.
# Exits non-zero on any failure. Sets up what is missing first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh

log=$(mktemp -d)/test.log
summary() {
  # One closing line over all layers: cargo's "test result" lines, pg_regress's per-test
  # lines and prove's totals.
  local passed failed
  set +e +o pipefail   # a grep that finds nothing must not end the summary
  passed=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
  failed=$(grep -hoE '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
  # pg_regress: "test name   ... ok   12 ms" (cargo's own lines have no "ms").
  passed=$((passed + $(grep -cE '^(test +)?[a-z0-9_]+ +\.\.\. ok +[0-9]+ ms' "$log" || true)))
  failed=$((failed + $(grep -cE '^(test +)?[a-z0-9_]+ +\.\.\. FAILED +[0-9]+ ms' "$log" || true)))
  # prove: "Files=8, Tests=411, …" then "Result: PASS"; failures in "Failed N/M subtests".
  local tap tap_failed
  tap=$(grep -hoE '^Files=[0-9]+, Tests=[0-9]+' "$log" | sed 's/.*Tests=//' | awk '{s+=$1} END {print s+0}')
  tap_failed=$(grep -hoE 'Failed [0-9]+/[0-9]+ subtests' "$log" | awk '{split($2, a, "/"); s+=a[1]} END {print s+0}')
  passed=$((passed + tap - tap_failed)); failed=$((failed + tap_failed))
  echo "$passed passed, $failed failed"
}
trap summary EXIT

echo "== core: unit and property tests"
cargo test -p phoenix_kit_mig_core 2>&1 | tee -a "$log"

echo "== extension: #[pg_test]s on pgrx's PostgreSQL 15"
if [ "$(id -u)" -eq 0 ]; then
  pgdata=$(mktemp -d); chown "${PK_PG_USER:-pgtest}": "$pgdata"
  cargo pgrx test pg15 --runas "${PK_PG_USER:-pgtest}" --pgdata "$pgdata" 2>&1 | tee -a "$log"
else
  cargo pgrx test pg15 2>&1 | tee -a "$log"
fi

# Installed once: reinstalling the .so under a running server crashes its backends.
echo "== install the extension into the system PostgreSQL 15"
scripts/install-extension.sh 2>&1 | tail -n 3

echo "== psql-level suite (pg_regress) on a throwaway cluster"
scripts/regress.sh --no-install 2>&1 | tee -a "$log"

echo "== reliability and security suite (TAP, prove)"
scripts/reliability.sh --no-install 2>&1 | tee -a "$log"

echo "== benchmark at a tiny size (the full run is scripts/bench.sh)"
scripts/bench.sh --smoke --no-install 2>&1 | tee -a "$log" | tail -n 4
