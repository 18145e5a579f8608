#!/usr/bin/env bash
# Runs every test: the core crate's unit and property tests, the #[pg_test]s against pgrx's
# PostgreSQL 15 test server, and the psql-level suite against a real throwaway cluster.
# Exits non-zero on any failure. Sets up what is missing first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh

log=$(mktemp -d)/test.log
summary() {
  # One closing line over all layers: cargo's "test result" lines and pg_regress's per-test lines.
  local passed failed
  passed=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
  failed=$(grep -hoE '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
  # pg_regress: "test name ... ok  12 ms"; prove (TAP): "t/x.t .. ok" counts come from its
  # own "Result:" line, so TAP files are counted per file here.
  passed=$((passed + $(grep -cE '^(test +)?[a-z0-9_]+ +\.\.\. ok ' "$log" || true)))
  failed=$((failed + $(grep -cE '^(test +)?[a-z0-9_]+ +\.\.\. FAILED' "$log" || true)))
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

echo "== psql-level suite on a throwaway cluster"
scripts/regress.sh 2>&1 | tee -a "$log"
