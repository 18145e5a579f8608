#!/usr/bin/env bash
# Locks and settings (docs/behaviour.md §9, §1 "any error leaves the database exactly as it was"):
#   - another session holding a conflicting lock makes each migration (and its dry run) fail
#     with 55P03 under the caller's lock_timeout, quickly, with nothing changed — including a
#     conflict that only bites at the very last step (the stamp's COMMENT on phoenix_kit);
#   - V114 lets readers go on (an open reader does not block it; a reader is not blocked by
#     it) while writers wait; V107 blocks endpoint readers but not settings readers;
#   - the locks held until commit are the promised modes;
#   - no setting is left changed: lock_timeout, statement_timeout, search_path,
#     client_min_messages — and in fact every row of pg_settings — read before and after each
#     migration call (success, failure, dry run, SET LOCAL in a transaction) are identical.
#
# Runs only where the major's tree has no pg_isolation_regress (PostgreSQL 13's wheel): elsewhere
# the isolation specs check the same and this test skips itself. Check → spec
# (tests/isolation/specs/), permutation, step:
#   1-27     lock_timeout 1-9, one per times_out call in the same order: the migration step
#            (sqlstate 55P03, within_5s), then unchanged (the fingerprint of every schema)
#   28       lock_modes 1: v114_up_dry completes without waiting while begin_read_113 is open
#   29-31    lock_modes 2: locks_113; read_113 completes; write_113 <waiting ...> until commit
#   32-34    lock_modes 3: locks_106; read_106 completes; read_ep_106 <waiting ...> until commit
#   35-52    settings_unchanged: v114_up_ok … status (same_four, changed)
#   53       settings_unchanged: set_local, call_in_tx, show_local
. "$(dirname "$0")/lib.sh"
covered_by_specs lock_timeout lock_modes settings_unchanged

s113=$(new_schema v114up 113)
s114=$(new_schema v114down 114)
s106=$(new_schema v107up 106)
s107=$(new_schema v107down 107)
for x in "$s113" "$s114" "$s106" "$s107"; do
  qfx "SELECT pg_temp.pk_fixture_sample('$x'); SELECT pg_temp.rel_populate('$x', 400)" >/dev/null
done
q "UPDATE $s114.phoenix_kit_settings SET key = uuid::text,
          value_json = COALESCE(NULLIF(value_json, 'null'), '{}') || '{\"provider\": \"p\"}' || jsonb_build_object('name', 'n' || key),
          module = 'integrations'
    WHERE key LIKE 'integration:%'" >/dev/null

# holder NAME SQL: a background session that runs SQL inside an open transaction, then idles
# (pg_sleep) until it is terminated; returns once its locks are granted.
holder() {
  bg "$1" "BEGIN; $2; SELECT pg_sleep(60); COMMIT;"
  wait_until 20 "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                   WHERE a.application_name = '$PGAPPNAME:$1' AND l.granted AND l.locktype = 'relation'
                     AND a.wait_event = 'PgSleep')" || diag "holder $1 did not get its lock"
}
release() {
  q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$PGAPPNAME:$1'" >/dev/null
  wait_bg "$1" || true
}

# times_out DESC SCHEMA CALL: CALL under lock_timeout 200ms fails with 55P03 within 5 s and
# leaves SCHEMA unchanged.
times_out() {
  local desc=$1 schema=$2 call=$3 before t0 st
  before=$(fingerprint "$schema")
  t0=$(now_ms)
  st=$(state "SET lock_timeout = '200ms'; $call")
  local dt=$(( $(now_ms) - t0 ))
  is "$st" 55P03 "$desc: 55P03 lock_not_available"
  [ "$st" = 55P03 ] || diag "$(last_error)"
  ok $(( dt < 5000 ? 0 : 1 )) "$desc: gave up after the caller's lock_timeout ($dt ms)"
  is "$(fingerprint "$schema")" "$before" "$desc: nothing changed"
}

holder h1 "LOCK TABLE $s113.phoenix_kit_settings IN ROW EXCLUSIVE MODE"
times_out "V114 up vs ROW EXCLUSIVE on settings" "$s113" "SELECT pk_migrate_v114_up('$s113')"
times_out "V114 up dry run vs ROW EXCLUSIVE on settings" "$s113" "SELECT pk_migrate_v114_up('$s113', dry_run => true)"
release h1
holder h2 "UPDATE $s113.phoenix_kit_settings SET value = 'x' WHERE key = 'setting_5'"
times_out "V114 up vs an uncommitted UPDATE of one settings row" "$s113" "SELECT pk_migrate_v114_up('$s113')"
release h2
holder h3 "LOCK TABLE $s113.phoenix_kit IN SHARE UPDATE EXCLUSIVE MODE"
times_out "V114 up vs a lock on phoenix_kit (bites only at the stamp, after the rewrite)" "$s113" "SELECT pk_migrate_v114_up('$s113')"
release h3
holder h4 "LOCK TABLE $s114.phoenix_kit_settings IN ROW EXCLUSIVE MODE"
times_out "V114 down vs ROW EXCLUSIVE on settings" "$s114" "SELECT pk_migrate_v114_down('$s114')"
release h4
holder h5 "SELECT count(*) FROM $s106.phoenix_kit_ai_endpoints"
times_out "V107 up vs an open reader of endpoints (ACCESS SHARE)" "$s106" "SELECT pk_migrate_v107_up('$s106')"
times_out "V107 up dry run vs an open reader of endpoints" "$s106" "SELECT pk_migrate_v107_up('$s106', true)"
release h5
holder h6 "LOCK TABLE $s106.phoenix_kit_settings IN ROW EXCLUSIVE MODE"
times_out "V107 up vs ROW EXCLUSIVE on settings" "$s106" "SELECT pk_migrate_v107_up('$s106')"
release h6
holder h7 "SELECT count(*) FROM $s107.phoenix_kit_ai_endpoints"
times_out "V107 down vs an open reader of endpoints" "$s107" "SELECT pk_migrate_v107_down('$s107')"
release h7

# ------------------------------------------------------------------ readers go on
holder r1 "SELECT count(*) FROM $s113.phoenix_kit_settings"
is "$(state "SET lock_timeout = '200ms'; BEGIN; SELECT pk_migrate_v114_up('$s113', dry_run => true); ROLLBACK;")" 00000 \
  "V114 up is not blocked by an open reader of settings"
release r1
bg m1 "BEGIN; SELECT pk_migrate_v114_up('$s113'); SELECT pg_sleep(60); COMMIT;"
wait_until 20 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '$PGAPPNAME:m1' AND wait_event = 'PgSleep')" ||
  diag "migration session m1 did not get going"
is "$(q "SELECT string_agg(DISTINCT l.mode, ',' ORDER BY l.mode) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE a.application_name = '$PGAPPNAME:m1' AND l.granted AND l.relation = '$s113.phoenix_kit_settings'::regclass
            AND l.mode NOT IN ('AccessShareLock', 'RowExclusiveLock')")" \
  "ShareRowExclusiveLock" "V114 up holds SHARE ROW EXCLUSIVE on settings until commit (and nothing stronger)"
is "$(state "SET lock_timeout = '200ms'; SELECT count(*) FROM $s113.phoenix_kit_settings")" 00000 \
  "while V114 up is uncommitted, readers of settings go on"
is "$(state "SET lock_timeout = '200ms'; INSERT INTO $s113.phoenix_kit_settings (key) VALUES ('integration:x:late')")" 55P03 \
  "while V114 up is uncommitted, writers of settings wait"
release m1
bg m2 "BEGIN; SELECT pk_migrate_v107_up('$s106'); SELECT pg_sleep(60); COMMIT;"
wait_until 20 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '$PGAPPNAME:m2' AND wait_event = 'PgSleep')" ||
  diag "migration session m2 did not get going"
is "$(q "SELECT string_agg(DISTINCT c.relname || ':' || l.mode, ',' ORDER BY c.relname || ':' || l.mode) FROM pg_locks l
          JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_class c ON c.oid = l.relation
          WHERE a.application_name = '$PGAPPNAME:m2' AND l.granted
            AND (l.relation = '$s106.phoenix_kit_ai_endpoints'::regclass AND l.mode = 'AccessExclusiveLock'
                 OR l.relation = '$s106.phoenix_kit_settings'::regclass AND l.mode <> 'AccessShareLock')")" \
  "phoenix_kit_ai_endpoints:AccessExclusiveLock,phoenix_kit_settings:ShareLock" \
  "V107 up holds ACCESS EXCLUSIVE on endpoints and SHARE (nothing stronger) on settings until commit"
is "$(state "SET lock_timeout = '200ms'; SELECT count(*) FROM $s106.phoenix_kit_settings")" 00000 \
  "while V107 up is uncommitted, readers of settings go on"
is "$(state "SET lock_timeout = '200ms'; SELECT count(*) FROM $s106.phoenix_kit_ai_endpoints")" 55P03 \
  "while V107 up is uncommitted, even readers of endpoints wait"
release m2

# ------------------------------------------------------------------ no setting left changed
# settings_unchanged DESC SQL: in one session, set the four named settings to unusual values,
# record them and all of pg_settings, run SQL (errors allowed), and compare.
settings_unchanged() {
  local desc=$1 call=$2 out
  out=$(q "
SET lock_timeout = '1234ms'; SET statement_timeout = '56s'; SET client_min_messages = 'log';
SET search_path = \"$REL_PREFIX odd\", public, pg_temp;
CREATE TEMP TABLE rel_s0 AS SELECT name, setting FROM pg_settings;
SELECT 'before=' || concat_ws('|', current_setting('lock_timeout'), current_setting('statement_timeout'),
                                  current_setting('search_path'), current_setting('client_min_messages'));
\\set ON_ERROR_STOP off
$call;
\\set ON_ERROR_STOP on
SELECT 'after=' || concat_ws('|', current_setting('lock_timeout'), current_setting('statement_timeout'),
                                 current_setting('search_path'), current_setting('client_min_messages'));
SELECT 'changed=' || COALESCE(string_agg(p.name || ':' || s0.setting || '->' || p.setting, ', '), '')
  FROM pg_settings p FULL JOIN rel_s0 s0 USING (name) WHERE p.setting IS DISTINCT FROM s0.setting;
" 2>"$REL_TMP/settings.err")
  local b a c
  b=$(sed -n 's/^before=//p' <<<"$out"); a=$(sed -n 's/^after=//p' <<<"$out"); c=$(sed -n 's/^changed=//p' <<<"$out")
  is "$a" "$b" "$desc: lock_timeout, statement_timeout, search_path, client_min_messages as before"
  [ -n "$b" ] || diag "$(cat "$REL_TMP/settings.err")"
  is "$c" "" "$desc: no row of pg_settings changed"
}
settings_unchanged "V114 up (success)" "SELECT pk_migrate_v114_up('$s113')"
settings_unchanged "V107 down (guard error)" "SELECT pk_migrate_v107_down('$s113')"
settings_unchanged "V114 down dry run" "SELECT pk_migrate_v114_down('$s114', true)"
settings_unchanged "V114 down (success)" "SELECT pk_migrate_v114_down('$s114')"
settings_unchanged "V107 up (success)" "SELECT pk_migrate_v107_up('$s106')"
settings_unchanged "V107 up (missing schema error)" "SELECT pk_migrate_v107_up('${REL_PREFIX}nope')"
settings_unchanged "V107 down dry run" "SELECT pk_migrate_v107_down('$s107', dry_run => true)"
settings_unchanged "V107 down (success)" "SELECT pk_migrate_v107_down('$s107')"
settings_unchanged "pk_migration_status" "SELECT pk_migration_status('$s113')"
# SET LOCAL inside the caller's transaction survives the call.
got=$(q "BEGIN; SET LOCAL lock_timeout = '777ms'; SET LOCAL search_path = pg_catalog;
         SELECT public.pk_migrate_v114_up('$s113', dry_run => true) IS NOT NULL;
         SELECT current_setting('lock_timeout') || '|' || current_setting('search_path'); ROLLBACK;" 2>/dev/null | tail -1)
is "$got" "777ms|pg_catalog" "SET LOCAL values in the caller's transaction survive a migration call"

done_testing
