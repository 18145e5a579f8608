#!/usr/bin/env bash
# Concurrent writers (docs/behaviour.md §9 locks, §2 safe re-run): while a migration runs on a large
# table in one session, other sessions (a bounded number, each a bounded loop) keep writing
# the old shape — an old application node. They block on the migration's lock and go on
# after its commit. Afterwards:
#   - no row is lost (count = before + inserted) and no update is lost (a per-row counter
#     bumped by every writer UPDATE sums to the number of UPDATEs);
#   - every old-shape row still there was inserted after the migration committed (its
#     insert time is later than the migration's last statement before COMMIT);
#   - a re-run at the new version (a safe re-run, §2) rewrites/pins exactly those rows.
# V114: >= 100k integration rows, writers INSERT integration:* keys and UPDATE others.
# V107: writers INSERT endpoints (unpinned) and UPDATE settings rows (V107 holds SHARE there).
# Then two migrations at once: in READ COMMITTED the second waits and is a zero re-run; in
# REPEATABLE READ it is refused (25000) and the first one's result stays intact; a REPEATABLE
# READ migration whose snapshot predates a concurrent commit is refused and stamps nothing.
#
# Runs only where the major's tree has no pg_isolation_regress (PostgreSQL 13's wheel): elsewhere
# the isolation specs check the same, with lock waits instead of sleeps and timing, and this
# test skips itself. Check → spec (tests/isolation/specs/), permutation, step:
#   1, 12    concurrent_writers 1 (V114), 2 (V107): mig_commit succeeds
#   2, 13    same: the writers' steps complete without error
#   3, 14    same: three writer steps <waiting ...> at once
#   4, 15    same: check_v114 rows_added / check_v107 endpoints_added
#   5, 16    same: touches
#   6        concurrent_writers 1: check_v114 touched_migrated
#   7, 8     concurrent_writers 1: check_v114 old_shape_keys = the inserts that waited
#   9        concurrent_writers 1: mig_v114 rows_rewritten (sample + populated + the early insert)
#   10, 11   concurrent_writers 1: rerun_v114, then check_v114 old_shape_keys empty
#   17, 18   concurrent_writers 2: check_v107 late_unpinned = the inserts that waited
#   19       concurrent_writers 2: check_v107 late_pinned = the early insert
#   20, 21   concurrent_writers 2: rerun_v107 (pinned = late ones, left_unpinned = other_unpinned),
#            then check_v107 late_unpinned empty
#   22-24    two_migrations 1 (READ COMMITTED): first_v114; second_v114, second_v107 wait, then
#            re-runs with zero counts
#   25-29    two_migrations 2 (REPEATABLE READ): second_v114_try, second_v107_try 25000 without
#            waiting; reruns and state show the first one's result
#   30, 31   two_migrations 3: second_v114_try 25000, state_114 (113); rc_v114, state_114
. "$(dirname "$0")/lib.sh"
covered_by_specs concurrent_writers two_migrations

N=${PK_REL_CONC_ROWS:-100000}  # integration rows for V114
W=${PK_REL_WRITERS:-3}         # writer sessions
ITER=${PK_REL_WRITER_ITER:-120}  # iterations per writer (one INSERT + one UPDATE each)
HOLD=0.5                       # seconds the migration's transaction stays open after the call

# writer_sql W TEMPLATE: ITER iterations of TEMPLATE (with @W@ and @I@ replaced), each a
# separate autocommitted transaction, 20 ms apart so that they span the migration.
writer_sql() {
  local w=$1 tpl=$2 i
  for ((i = 1; i <= ITER; i++)); do
    local t=${tpl//@W@/$w}
    printf '%s\nSELECT pg_sleep(0.02);\n' "${t//@I@/$i}"
  done
}

# run_round NAME MIGRATION_SQL WAIT_TABLE: starts the writers, waits until they have written
# a few rows, runs MIGRATION_SQL in a transaction held open HOLD seconds, watches that writers
# queue up on WAIT_TABLE, waits for everything. Sets: t_start t_precommit report max_waiting.
run_round() {
  local name=$1 call=$2 table=$3 w
  for ((w = 1; w <= W; w++)); do
    bg "$name$w" "$(writer_sql "$w" "$WRITER")"
  done
  wait_until 20 "SELECT count(*) >= $W * 3 FROM $LATE_COUNT_FROM" || diag "writers slow to start"
  bg "${name}mig" "
SELECT 'start=' || clock_timestamp();
BEGIN;
SELECT 'report=' || ($call)::text;
SELECT pg_sleep($HOLD);
SELECT 'precommit=' || clock_timestamp();
COMMIT;"
  max_waiting=0
  local deadline=$((SECONDS + 50)) n
  while kill -0 "${REL_BG[${name}mig]}" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
    n=$(waiting_on "$table")
    [ "${n:-0}" -gt "$max_waiting" ] && max_waiting=$n
    sleep 0.05
  done
  wait_bg "${name}mig"; mig_rc=$?
  writers_rc=0
  for ((w = 1; w <= W; w++)); do wait_bg "$name$w" || writers_rc=$?; done
  t_start=$(sed -n 's/^start=//p' "$REL_TMP/${name}mig.out")
  t_precommit=$(sed -n 's/^precommit=//p' "$REL_TMP/${name}mig.out")
  report=$(sed -n 's/^report=//p' "$REL_TMP/${name}mig.out")
}

# ------------------------------------------------------------------ V114
s=$(new_schema v114 113)
qfx "SELECT pg_temp.rel_populate('$s', $N)" >/dev/null
before=$(q "SELECT count(*) FROM $s.phoenix_kit_settings")
# Writers: an old node inserting composite keys (insert time in value_json) and touching
# existing integration rows of shape 0 (objects), by uuid.
WRITER="INSERT INTO $s.phoenix_kit_settings (key, value_json, module, uuid)
  VALUES ('integration:late:w@W@-@I@', jsonb_build_object('provider', 'late', 'name', 'w@W@-@I@', 'ins_at', clock_timestamp()),
          'integrations', gen_random_uuid());
UPDATE $s.phoenix_kit_settings
   SET value_json = jsonb_set(value_json, '{touches}', to_jsonb(COALESCE((value_json ->> 'touches')::int, 0) + 1))
 WHERE uuid = md5('rel' || '$s' || (((@W@ * 1000 + @I@) * 10) % $N))::uuid;"
LATE_COUNT_FROM="$s.phoenix_kit_settings WHERE key LIKE 'integration:late:%'"

started=$(now_ms)
run_round v114 "SELECT pk_migrate_v114_up('$s')" "$s.phoenix_kit_settings"
diag "V114 up on $N rows with $W writers: $(( $(now_ms) - started )) ms; migration elapsed_ms $(jq -r .elapsed_ms <<<"$report")"
is "$mig_rc" 0 "V114 up with concurrent writers commits"
is "$writers_rc" 0 "every writer session finished without error"
like "$max_waiting" '^[1-9]' "writers queued on the migration's lock (up to $max_waiting waiting at once)"
inserted=$((W * ITER))
is "$(q "SELECT count(*) FROM $s.phoenix_kit_settings")" "$((before + inserted))" \
  "no row lost: count = $before before + $inserted inserted"
is "$(q "SELECT sum((value_json ->> 'touches')::int) FROM $s.phoenix_kit_settings")" "$inserted" \
  "no update lost: the per-row counters sum to the $inserted UPDATEs"
is "$(q "SELECT count(*) FROM $s.phoenix_kit_settings WHERE value_json ? 'touches' AND key <> uuid::text")" 0 \
  "rows updated during the migration keep the migration's change (key = uuid)"
old=$(q "SELECT count(*) FROM $s.phoenix_kit_settings WHERE key LIKE 'integration:%'")
is "$(q "SELECT count(*) FROM $s.phoenix_kit_settings
          WHERE key LIKE 'integration:%' AND NOT (key LIKE 'integration:late:%' AND (value_json ->> 'ins_at')::timestamptz > '$t_precommit')")" 0 \
  "every remaining old-shape key ($old) was inserted after the migration committed"
like "$old" '^[1-9]' "some writes did land after the commit (the scenario is real)"
early=$(q "SELECT count(*) FROM $s.phoenix_kit_settings WHERE value_json ? 'ins_at' AND key = uuid::text")
is "$(jq -r .rows_rewritten <<<"$report")" "$((N + early))" \
  "the migration rewrote the $N rows plus the $early inserted before it took the lock"
rerun=$(q "SELECT pk_migrate_v114_up('$s')::text" 2>/dev/null)
is "$(jq -r '[.version_before, .version_after, .rows_rewritten] | map(tostring) | join(",")' <<<"$rerun")" "114,114,$old" \
  "a re-run at version 114 rewrites exactly the $old late rows"
is "$(q "SELECT count(*) FROM $s.phoenix_kit_settings WHERE key LIKE 'integration:%'")" 0 "no old-shape key left after the re-run"

# ------------------------------------------------------------------ V107
s7=$(new_schema v107 106)
qfx "SELECT pg_temp.rel_populate('$s7', $((N / 2)))" >/dev/null
before=$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints")
# Writers: an old node creating endpoints (no integration_uuid) whose provider has candidates,
# and touching settings rows, which V107 holds in SHARE mode.
WRITER="INSERT INTO $s7.phoenix_kit_ai_endpoints (name, provider, api_key, model, inserted_at, updated_at)
  VALUES ('late w@W@-@I@', 'prov' || (@I@ % 23), '', 'm', clock_timestamp(), clock_timestamp());
UPDATE $s7.phoenix_kit_settings
   SET value_json = jsonb_set(value_json, '{touches}', to_jsonb(COALESCE((value_json ->> 'touches')::int, 0) + 1))
 WHERE uuid = md5('rel' || '$s7' || (((@W@ * 1000 + @I@) * 10) % $((N / 2))))::uuid;"
LATE_COUNT_FROM="$s7.phoenix_kit_ai_endpoints WHERE name LIKE 'late %'"

started=$(now_ms)
run_round v107 "SELECT pk_migrate_v107_up('$s7')" "$s7.phoenix_kit_ai_endpoints"
diag "V107 up on $before endpoints with $W writers: $(( $(now_ms) - started )) ms"
is "$mig_rc" 0 "V107 up with concurrent writers commits"
is "$writers_rc" 0 "every writer session finished without error"
like "$max_waiting" '^[1-9]' "writers queued on the endpoints lock (up to $max_waiting waiting at once)"
is "$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints")" "$((before + inserted))" \
  "no endpoint lost: count = $before before + $inserted inserted"
is "$(q "SELECT sum((value_json ->> 'touches')::int) FROM $s7.phoenix_kit_settings")" "$inserted" \
  "no settings update lost across V107's SHARE lock"
late=$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints WHERE name LIKE 'late %' AND integration_uuid IS NULL")
is "$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints
          WHERE name LIKE 'late %' AND integration_uuid IS NULL AND inserted_at <= '$t_precommit'")" 0 \
  "every unpinned late endpoint ($late) was inserted after the migration committed"
like "$late" '^[1-9]' "some endpoints did land after the commit"
is "$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints WHERE name LIKE 'late %' AND integration_uuid IS NOT NULL")" \
  "$((inserted - late))" "the endpoints inserted before the lock were pinned by the migration"
unpinned_other=$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints WHERE name NOT LIKE 'late %' AND integration_uuid IS NULL")
rerun=$(q "SELECT pk_migrate_v107_up('$s7')::text" 2>/dev/null)
is "$(jq -r '[.version_before, .version_after, .column_added, .pinned_exact + .pinned_latest_validated + .pinned_by_uuid, (.left_unpinned | length)] | map(tostring) | join(",")' <<<"$rerun")" \
  "107,107,false,$late,$unpinned_other" "a re-run at version 107 pins exactly the $late late endpoints and nothing else"
is "$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints WHERE name LIKE 'late %' AND integration_uuid IS NULL")" 0 \
  "every late endpoint is pinned after the re-run"

# ------------------------------------------------------------------ two migrations at once
# Two operators run the same migration at the same moment. In READ COMMITTED (PostgreSQL's and
# Ecto's default) the second waits for the first's lock, then finds the work done: a safe
# re-run reporting zeros. In REPEATABLE READ its snapshot predates the wait (README: run the
# migrations in READ COMMITTED): it must fail cleanly, leaving the first one's result intact.
bg_state() { local st; st=$(grep -m1 -oE 'ERROR:  [0-9A-Z]{5}:' "$REL_TMP/$1.err" | cut -c9-13); printf '%s\n' "${st:-00000}"; }
race() { # LABEL ISOLATION -> sets a_rep b_state b_rep b7_state b7_rep
  local label=$1 iso=$2
  r14=$(new_schema "race14$label" 113); r7=$(new_schema "race7$label" 106)
  qfx "SELECT pg_temp.pk_fixture_sample('$r14'); SELECT pg_temp.pk_fixture_sample('$r7')" >/dev/null
  bg "a$label" "BEGIN; SELECT 'r=' || pk_migrate_v114_up('$r14')::text; SELECT 'r7=' || pk_migrate_v107_up('$r7')::text; SELECT pg_sleep(1); COMMIT;"
  wait_until 20 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '$PGAPPNAME:a$label' AND wait_event = 'PgSleep')" ||
    diag "race $label: the first migration did not get going"
  bg "b$label" "BEGIN ISOLATION LEVEL $iso; SELECT 1; SELECT 'r=' || pk_migrate_v114_up('$r14')::text; COMMIT;"
  bg "c$label" "BEGIN ISOLATION LEVEL $iso; SELECT 1; SELECT 'r7=' || pk_migrate_v107_up('$r7')::text; COMMIT;"
  wait_until 20 "SELECT count(*) = 2 FROM pg_stat_activity WHERE application_name IN ('$PGAPPNAME:b$label', '$PGAPPNAME:c$label') AND wait_event_type = 'Lock'" ||
    diag "race $label: the second migrations did not queue on the lock"
  wait_bg "a$label" || true; wait_bg "b$label" || true; wait_bg "c$label" || true
  a_rep=$(sed -n 's/^r=//p' "$REL_TMP/a$label.out")
  b_state=$(bg_state "b$label"); b_rep=$(sed -n 's/^r=//p' "$REL_TMP/b$label.out")
  b7_state=$(bg_state "c$label"); b7_rep=$(sed -n 's/^r7=//p' "$REL_TMP/c$label.out")
}
race rc "READ COMMITTED"
is "$(jq -r .rows_rewritten <<<"$a_rep")" 8 "two V114 ups at once (READ COMMITTED): the first rewrites the 8 rows"
is "$b_state|$(jq -r '[.version_before, .rows_rewritten, .module_set] | map(tostring) | join(",")' <<<"$b_rep")" "00000|114,0,0" \
  "... the second waits for the lock, then is a safe re-run at 114 that finds nothing to do"
is "$b7_state|$(jq -r '[.version_before, .column_added, .pinned_exact + .pinned_latest_validated + .pinned_by_uuid, (.indexes_created | length)] | map(tostring) | join(",")' <<<"$b7_rep")" \
  "00000|107,false,0,0" "two V107 ups at once (READ COMMITTED): the second is a safe re-run at 107"
race rr "REPEATABLE READ"
isnt "$b_state" 00000 "two V114 ups at once, the second in REPEATABLE READ: it fails ($b_state) instead of working on a stale snapshot"
is "$(q "SELECT pk_migrate_v114_up('$r14') ->> 'rows_rewritten'" 2>/dev/null)|$(q "SELECT obj_description('$r14.phoenix_kit'::regclass)")" "0|114" \
  "... and the first one's result is intact (a re-run finds nothing to do)"
isnt "$b7_state" 00000 "two V107 ups at once, the second in REPEATABLE READ: it fails ($b7_state)"
is "$(q "SELECT (pk_migrate_v107_up('$r7') -> 'indexes_created')::text" 2>/dev/null)|$(q "SELECT count(integration_uuid) FROM $r7.phoenix_kit_ai_endpoints")" "[]|5" \
  "... and the first one's result is intact"
is "$b_state|$b7_state" "25000|25000" "... both refused up front: a migration needs READ COMMITTED"
# A row committed after a REPEATABLE READ transaction took its snapshot would be invisible to a
# migration in it: the migration refuses (25000) rather than stamp 114 and leave the row behind.
r14=$(new_schema stale 113)
qfx "SELECT pg_temp.pk_fixture_sample('$r14')" >/dev/null
bg stale "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1; SELECT pg_sleep(0.5); SELECT 'r=' || pk_migrate_v114_up('$r14')::text; COMMIT;"
wait_until 20 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '$PGAPPNAME:stale' AND wait_event = 'PgSleep')" || diag "stale: no sleep seen"
q "INSERT INTO $r14.phoenix_kit_settings (key, value_json, module) VALUES ('integration:late:rr', '{}', 'integrations')" >/dev/null
wait_bg stale || true
is "$(bg_state stale)|$(q "SELECT obj_description('$r14.phoenix_kit'::regclass)")" "25000|113" \
  "a REPEATABLE READ migration is refused and stamps nothing"
is "$(q "SELECT pk_migrate_v114_up('$r14') ->> 'rows_rewritten'")|$(q "SELECT count(*) FROM $r14.phoenix_kit_settings WHERE key LIKE 'integration:%'")" "9|0" \
  "... and in READ COMMITTED it rewrites every row, the late one included"

done_testing
