#!/usr/bin/env bash
# Injected faults (docs/behaviour.md §1 "any error leaves the database exactly as it was", §8 dry run):
# a fault raised in the middle of a migration's work, at each of its later steps, by a
# timeout, or by killing the backend, leaves every row (checksum), every index (pg_indexes),
# the column list, the constraints and the version comment exactly as before.
#   - row faults: a BEFORE UPDATE trigger that raises when a row counter (a sequence, so it
#     survives the rollback and proves how far the UPDATE got) reaches N;
#   - step faults: an event trigger that raises at the migration's ALTER TABLE, CREATE INDEX,
#     DROP INDEX or COMMENT (the stamp, the very last step);
#   - statement_timeout mid-UPDATE, and pg_terminate_backend of a migration stuck in a trigger;
#   - the caller's own transaction: ROLLBACK, ROLLBACK TO SAVEPOINT, a later error.
. "$(dirname "$0")/lib.sh"

N=${PK_REL_FAULT_ROWS:-20000}   # integration rows
AT=${PK_REL_FAULT_AT:-5000}     # the row at which the trigger raises
ctl=${REL_PREFIX}ctl

s=$(new_schema v114 113)
qfx "SELECT pg_temp.rel_populate('$s', $N)" >/dev/null
q "
CREATE SCHEMA $ctl;
CREATE SEQUENCE $ctl.ctr;
-- Row fault: raise (or sleep, for the kill test) when the counter reaches TG_ARGV[0].
CREATE FUNCTION $ctl.row_fault() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS \$\$
BEGIN
  IF nextval('$ctl.ctr') = TG_ARGV[0]::bigint THEN
    IF TG_ARGV[1] = 'sleep' THEN
      PERFORM pg_sleep(30);
    ELSE
      RAISE EXCEPTION 'rel injected fault at row %', TG_ARGV[0] USING ERRCODE = TG_ARGV[1];
    END IF;
  END IF;
  RETURN NEW;
END \$\$;
-- Step fault: raise at the DDL command whose tag is in the session's rel.fault setting.
CREATE FUNCTION $ctl.step_fault() RETURNS event_trigger LANGUAGE plpgsql SET search_path = pg_catalog AS \$\$
BEGIN
  IF current_setting('rel.fault', true) = tg_tag THEN
    RAISE EXCEPTION 'rel injected fault at %', tg_tag USING ERRCODE = 'P0001';
  END IF;
END \$\$;
CREATE EVENT TRIGGER ${REL_PREFIX}step_fault ON ddl_command_end EXECUTE FUNCTION $ctl.step_fault();
" >/dev/null || bail "cannot install the fault triggers"

row_trigger() { # table at errcode|sleep
  q "SET client_min_messages = warning;
     ALTER SEQUENCE $ctl.ctr RESTART;
     DROP TRIGGER IF EXISTS rel_fault ON $s.$1;
     CREATE TRIGGER rel_fault BEFORE UPDATE ON $s.$1 FOR EACH ROW EXECUTE FUNCTION $ctl.row_fault('$2', '$3');" >/dev/null
}
no_row_trigger() { q "SET client_min_messages = warning; DROP TRIGGER IF EXISTS rel_fault ON $s.$1" >/dev/null; }
counter() { q "SELECT last_value FROM $ctl.ctr"; }

# fails_unchanged DESC SCHEMA SQLSTATE MESSAGE-REGEX SQL: SQL fails with SQLSTATE and a message
# matching the regex, and the schema's fingerprint is the same afterwards.
fails_unchanged() {
  local desc=$1 schema=$2 want=$3 re=$4 sql=$5 before got
  before=$(fingerprint "$schema")
  got=$(state "$sql")
  is "$got" "$want" "$desc: fails with $want"
  [ "$got" = "$want" ] || diag "$(last_error)"
  like "$(last_error)" "$re" "$desc: the error is the injected one"
  is "$(fingerprint "$schema")" "$before" "$desc: rows, columns, indexes, constraints and version comment identical"
}

# ------------------------------------------------------------------ row faults, V114
row_trigger phoenix_kit_settings "$AT" P0001
fails_unchanged "V114 up, fault at row $AT of $N" "$s" P0001 "rel injected fault at row $AT" \
  "SELECT pk_migrate_v114_up('$s')"
is "$(counter)" "$AT" "V114 up: the UPDATE had reached row $AT when the fault hit"
row_trigger phoenix_kit_settings "$AT" P0001
fails_unchanged "V114 up dry run, fault at row $AT" "$s" P0001 "rel injected fault" \
  "SELECT pk_migrate_v114_up('$s', dry_run => true)"
row_trigger phoenix_kit_settings "$N" P0001
fails_unchanged "V114 up, fault at the last row ($N)" "$s" P0001 "rel injected fault at row $N" \
  "SELECT pk_migrate_v114_up('$s')"

# A custom SQLSTATE from the caller's own trigger should reach the caller unchanged.
row_trigger phoenix_kit_settings "$AT" PKF01
got=$(state "SELECT pk_migrate_v114_up('$s')")
[ "$got" = PKF01 ]
todo $? "V114 up: a trigger's custom SQLSTATE (PKF01) reaches the caller" "pgrx maps SQLSTATEs it does not know to XX000 (got $got)"

# ------------------------------------------------------------------ step faults, V114
no_row_trigger phoenix_kit_settings
fails_unchanged "V114 up, fault at the stamp (COMMENT, the last step)" "$s" P0001 "rel injected fault at COMMENT" \
  "SET rel.fault = 'COMMENT'; SELECT pk_migrate_v114_up('$s')"
fails_unchanged "V114 up, statement_timeout mid-run" "$s" 57014 "statement timeout" \
  "SET statement_timeout = '150ms'; SELECT pk_migrate_v114_up('$s')"

# The caller's transaction decides (no COMMIT inside).
fails_unchanged "V114 up, then an error later in the caller's transaction" "$s" 22012 "division by zero" \
  "BEGIN; SELECT pk_migrate_v114_up('$s'); SELECT 1/0; COMMIT;"
before=$(fingerprint "$s")
st=$(state "BEGIN; SELECT pk_migrate_v114_up('$s'); ROLLBACK;
            BEGIN; SAVEPOINT a; SELECT pk_migrate_v114_up('$s'); ROLLBACK TO SAVEPOINT a; COMMIT;")
is "$st" 00000 "V114 up inside BEGIN … ROLLBACK and SAVEPOINT … ROLLBACK TO runs"
is "$(fingerprint "$s")" "$before" "V114 up rolled back by the caller (ROLLBACK, ROLLBACK TO SAVEPOINT) leaves everything as before"

# Kill the backend while the migration is stuck in a trigger at row AT.
row_trigger phoenix_kit_settings "$AT" sleep
before=$(fingerprint "$s")
bg victim "SELECT pk_migrate_v114_up('$s')"
if wait_until 20 "SELECT last_value >= $AT FROM $ctl.ctr"; then
  q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$PGAPPNAME:victim'" >/dev/null
  wait_bg victim; rc=$?
  isnt "$rc" 0 "V114 up: the backend was terminated mid-UPDATE (psql exit $rc)"
else
  ok 1 "V114 up: the migration reached row $AT in time"
fi
is "$(fingerprint "$s")" "$before" "V114 up killed mid-UPDATE: everything as before"
no_row_trigger phoenix_kit_settings

# V114 down: migrate up for real, then inject into the down.
q "SELECT pk_migrate_v114_up('$s')" >/dev/null 2>&1
is "$(q "SELECT obj_description('$s.phoenix_kit'::regclass)")" 114 "V114 up without faults succeeds afterwards"
row_trigger phoenix_kit_settings "$AT" P0001
fails_unchanged "V114 down, fault at row $AT" "$s" P0001 "rel injected fault at row $AT" "SELECT pk_migrate_v114_down('$s')"
row_trigger phoenix_kit_settings "$AT" P0001
fails_unchanged "V114 down dry run, fault at row $AT" "$s" P0001 "rel injected fault" "SELECT pk_migrate_v114_down('$s', true)"
no_row_trigger phoenix_kit_settings
fails_unchanged "V114 down, fault at the stamp" "$s" P0001 "rel injected fault at COMMENT" \
  "SET rel.fault = 'COMMENT'; SELECT pk_migrate_v114_down('$s')"

# ------------------------------------------------------------------ V107
s7=$(new_schema v107 106)
qfx "SELECT pg_temp.rel_populate('$s7', $N)" >/dev/null
s_saved=$s; s=$s7
pins=$(q "BEGIN; SELECT (r->>'pinned_exact')::int + (r->>'pinned_latest_validated')::int + (r->>'pinned_by_uuid')::int
            FROM pk_migrate_v107_up('$s7') r; ROLLBACK;" 2>/dev/null)
at7=$((pins / 2))
row_trigger phoenix_kit_ai_endpoints "$at7" P0001
fails_unchanged "V107 up, fault at pinned endpoint $at7 of $pins (after ADD COLUMN)" "$s7" P0001 "rel injected fault at row $at7" \
  "SELECT pk_migrate_v107_up('$s7')"
is "$(counter)" "$at7" "V107 up: the backfill had reached endpoint $at7 when the fault hit"
row_trigger phoenix_kit_ai_endpoints "$at7" P0001
fails_unchanged "V107 up dry run, fault at endpoint $at7" "$s7" P0001 "rel injected fault" \
  "SELECT pk_migrate_v107_up('$s7', dry_run => true)"
no_row_trigger phoenix_kit_ai_endpoints
for tag in "ALTER TABLE" "CREATE INDEX" "COMMENT"; do
  fails_unchanged "V107 up, fault at $tag" "$s7" P0001 "rel injected fault at $tag" \
    "SET rel.fault = '$tag'; SELECT pk_migrate_v107_up('$s7')"
done
fails_unchanged "V107 up dry run, fault at CREATE INDEX" "$s7" P0001 "rel injected fault at CREATE INDEX" \
  "SET rel.fault = 'CREATE INDEX'; SELECT pk_migrate_v107_up('$s7', dry_run => true)"
q "SELECT pk_migrate_v107_up('$s7')" >/dev/null 2>&1
is "$(q "SELECT obj_description('$s7.phoenix_kit'::regclass)")" 107 "V107 up without faults succeeds afterwards"
for tag in "DROP INDEX" "ALTER TABLE" "COMMENT"; do
  fails_unchanged "V107 down, fault at $tag" "$s7" P0001 "rel injected fault at $tag" \
    "SET rel.fault = '$tag'; SELECT pk_migrate_v107_down('$s7')"
done
s=$s_saved

done_testing
