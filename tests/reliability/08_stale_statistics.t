#!/usr/bin/env bash
# Plan stability (docs/behaviour.md §9: a migration holds ACCESS EXCLUSIVE on the endpoints / SHARE ROW
# EXCLUSIVE on the settings for as long as it runs, so its run time is the application's
# outage). Planner statistics that say "0 rows" for tables that do have pages — what an
# autovacuum ANALYZE racing a bulk load or a restore leaves behind, reproduced here exactly by
# ANALYZEing from a second session while the load is still uncommitted — must not turn a
# migration's set-based statement into a per-row rescan: each migration must run within 10x
# (or 1 s) of the same run after a fresh ANALYZE. Sizes are small (PK_REL_STALE_ROWS, default
# 3000 integration rows and 750 endpoints) so that even a quadratic plan fits the time budget.
. "$(dirname "$0")/lib.sh"

N=${PK_REL_STALE_ROWS:-3000}

# stale_schema NAME VERSION [SQL]: load the tables (plus SQL) in one transaction, and ANALYZE
# them from another session before it commits: the statistics then say "0 rows" for tables
# that have pages — exactly what an autovacuum ANALYZE racing the load leaves behind.
stale_schema() {
  local x
  x=$(new_schema "$1" "$2")
  q "ALTER TABLE $x.phoenix_kit_settings SET (autovacuum_enabled = false);
     ALTER TABLE $x.phoenix_kit_ai_endpoints SET (autovacuum_enabled = false);" >/dev/null
  bg "load$1" "$(cat "$REL_FIXTURE" "$REL_LIBSQL")
BEGIN; SELECT pg_temp.rel_populate('$x', $N, with_analyze => false); ${3:-} SELECT pg_sleep(2); COMMIT;"
  wait_until 30 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '$PGAPPNAME:load$1' AND wait_event = 'PgSleep')" ||
    diag "$x: the load did not finish"
  q "ANALYZE $x.phoenix_kit_settings; ANALYZE $x.phoenix_kit_ai_endpoints;" >/dev/null
  wait_bg "load$1" || true
  printf '%s\n' "$x"
}
elapsed() { q "SELECT round(($1 ->> 'elapsed_ms')::numeric)" 2>/dev/null; }

check() { # DESC SCHEMA CALL
  local desc=$1 x=$2 call=$3 bad good
  bad=$(elapsed "$call")
  q "ANALYZE $x.phoenix_kit_settings; ANALYZE $x.phoenix_kit_ai_endpoints" >/dev/null
  good=$(elapsed "$call")
  if ! [[ $bad =~ ^[0-9]+$ && $good =~ ^[0-9]+$ ]]; then ok 1 "$desc: ran (got '$bad' and '$good' ms)"; return; fi
  local limit=$(( good * 10 > 1000 ? good * 10 : 1000 ))
  ok $(( bad <= limit ? 0 : 1 )) "$desc: ${bad} ms with statistics of the empty tables, ${good} ms after ANALYZE (limit ${limit} ms)"
}

s7=$(stale_schema v107 106)
check "V107 up (dry run, $N integration rows, $((N / 4)) endpoints)" "$s7" "pk_migrate_v107_up('$s7', dry_run => true)"
s14=$(stale_schema v114 113)
check "V114 up (dry run, $N integration rows)" "$s14" "pk_migrate_v114_up('$s14', dry_run => true)"
s14d=$(stale_schema v114down 114 "UPDATE $(printf '%s' "${REL_PREFIX}v114down").phoenix_kit_settings SET key = uuid::text, module = 'integrations',
  value_json = COALESCE(NULLIF(value_json, 'null'), '{}') || jsonb_build_object('provider', 'p' || (length(key) % 7), 'name', key)
  WHERE key LIKE 'integration:%';")
check "V114 down (dry run, $N uuid-keyed rows)" "$s14d" "pk_migrate_v114_down('$s14d', dry_run => true)"

done_testing
