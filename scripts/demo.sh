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

# Hosted PostgreSQL: a database without the extension gets V107 up as a script, made on a
# restored copy of its three tables (README "Hosted PostgreSQL").
BIN="$(scripts/pgmajors.sh root "${PK_PG_MAJOR:-15}")/bin"
OUT=$(mktemp -d /tmp/phoenix_kit_mig_demo.XXXXXX)
"$BIN/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS phoenix_kit_mig_demo_hosted" -c "CREATE DATABASE phoenix_kit_mig_demo_hosted" \
  -c "DROP DATABASE IF EXISTS phoenix_kit_mig_demo_copy" -c "CREATE DATABASE phoenix_kit_mig_demo_copy"
"$BIN/psql" -X -q -v ON_ERROR_STOP=1 -d phoenix_kit_mig_demo_hosted \
  -c '\i tests/fixtures/phoenix_kit_fixture.sql' -c "SELECT pg_temp.pk_fixture('public', 106)" -c "SELECT pg_temp.pk_fixture_sample('public')" >/dev/null
"$BIN/pg_dump" -Fc -t 'public.phoenix_kit*' -f "$OUT/kit.dump" phoenix_kit_mig_demo_hosted
"$BIN/psql" -X -q -v ON_ERROR_STOP=1 -d phoenix_kit_mig_demo_copy \
  -c "CREATE FUNCTION public.uuid_generate_v7() RETURNS uuid LANGUAGE sql AS 'SELECT gen_random_uuid()'"
"$BIN/pg_restore" -d phoenix_kit_mig_demo_copy "$OUT/kit.dump"
"$BIN/psql" -X -q -v ON_ERROR_STOP=1 -d phoenix_kit_mig_demo_copy -c "CREATE EXTENSION phoenix_kit_mig"
"$BIN/psql" -X -A -t -v ON_ERROR_STOP=1 -d phoenix_kit_mig_demo_copy -c "SELECT pk_migration_script('v107_up')" -o "$OUT/v107_up.sql"
echo
echo "== Hosted: $OUT/v107_up.sql, made on a restored copy; its header:"
sed -n '/^BEGIN;$/q;p' "$OUT/v107_up.sql"
echo "== applied to phoenix_kit_mig_demo_hosted (no extension there), then once more:"
"$BIN/psql" -X -q -v ON_ERROR_STOP=1 -d phoenix_kit_mig_demo_hosted -f "$OUT/v107_up.sql"
"$BIN/psql" -X -q -v ON_ERROR_STOP=1 -d phoenix_kit_mig_demo_hosted -f "$OUT/v107_up.sql"
"$BIN/psql" -X -q -d phoenix_kit_mig_demo_hosted -c "SELECT name, provider, integration_uuid FROM phoenix_kit_ai_endpoints ORDER BY name" \
  -c "SELECT count(*) AS extensions_named_phoenix_kit_mig FROM pg_extension WHERE extname = 'phoenix_kit_mig'"

echo
echo "demo: done. The cluster is still running: eval \"\$(scripts/pgcluster.sh env)\"; psql -d phoenix_kit_mig_demo"
echo "demo: stop it with scripts/pgcluster.sh stop"
