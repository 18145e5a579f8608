#!/usr/bin/env bash
# Sets everything up (packages, cargo-pgrx, the project's PostgreSQL trees, the extension in the
# PostgreSQL 15 tree, a throwaway cluster run from it)
# and runs the demo: sample PhoenixKit data walked through V107 and V114 and back, with each
# migration's report and the rows before and after. Idempotent; a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh
scripts/install-extension.sh >/dev/null
scripts/pgcluster.sh start
eval "$(scripts/pgcluster.sh env)"
"$(scripts/pgmajors.sh root "${PK_PG_MAJOR:-15}")/bin/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS phoenix_kit_mig_demo" -c "CREATE DATABASE phoenix_kit_mig_demo"
"$(scripts/pgmajors.sh root "${PK_PG_MAJOR:-15}")/bin/psql" -X -q -d phoenix_kit_mig_demo -f demo/demo.sql
echo
echo "demo: done. The cluster is still running: eval \"\$(scripts/pgcluster.sh env)\"; psql -d phoenix_kit_mig_demo"
echo "demo: stop it with scripts/pgcluster.sh stop"
