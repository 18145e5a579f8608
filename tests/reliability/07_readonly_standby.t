#!/usr/bin/env bash
# Read-only transactions and a hot standby (docs/behaviour.md §1: pk_migration_status works inside a
# READ ONLY transaction and on a hot standby; the migrations change data, so there they fail
# with 25006 read_only_sql_transaction and change nothing).
#   - BEGIN READ ONLY and default_transaction_read_only: every migration (and dry run) 25006,
#     status works and assigns no transaction id;
#   - a streaming standby (pg_basebackup -R of the test cluster, started on its own port and
#     socket directory, as the unprivileged user when we are root): status and the key parser
#     work there, every migration fails with 25006, and migrations committed on the primary
#     reach the standby (bounded wait on pg_last_wal_replay_lsn()) byte for byte. Stopped and
#     removed at the end. Skipped, with the reason, when the cluster cannot stream to it
#     (no replication entry in pg_hba, wal_level minimal, no WAL senders) or is larger than
#     PK_REL_STANDBY_MAX_MB (default 1024) so that the copy would not fit the time budget.
. "$(dirname "$0")/lib.sh"

s=$(new_schema v114 113)
s7=$(new_schema v107 106)
qfx "SELECT pg_temp.pk_fixture_sample('$s'); SELECT pg_temp.pk_fixture_sample('$s7')" >/dev/null
fp=$(fingerprint "$s"); fp7=$(fingerprint "$s7")

calls=("SELECT pk_migrate_v114_up('$s')" "SELECT pk_migrate_v114_up('$s', dry_run => true)" "SELECT pk_migrate_v114_down('$s', force => true)"
       "SELECT pk_migrate_v107_up('$s7')" "SELECT pk_migrate_v107_up('$s7', true)" "SELECT pk_migrate_v107_down('$s7', force => true)")
for c in "${calls[@]}"; do
  st=$(state "BEGIN READ ONLY; $c; COMMIT;")
  is "$st" 25006 "BEGIN READ ONLY: $c -> 25006"
  [ "$st" = 25006 ] || diag "$(last_error)"
done
for c in "${calls[0]}" "${calls[3]}"; do
  is "$(state "SET default_transaction_read_only = on; $c")" 25006 "default_transaction_read_only: $c -> 25006"
done
got=$(q "BEGIN READ ONLY;
SELECT concat_ws(',', pk_migration_status('$s') ->> 'version', pk_migration_status('$s') #>> '{migrations,v114_up,can_run}',
                 pk_migration_status('$s7') #>> '{migrations,v107_up,can_run}', (txid_current_if_assigned() IS NULL)::text);
COMMIT;")
is "$got" "113,true,true,true" "BEGIN READ ONLY: pk_migration_status works (and assigns no transaction id)"
# pk_migration_plan (§12): the same plan a run would apply, read-only.
plan_sig() { # MIGRATION SCHEMA: the plan as one md5 over its rows, and its row count
  printf "SELECT md5(string_agg(concat_ws('|', relation, row_uuid, action, before, after, reason), E'\\n' ORDER BY relation, row_uuid, action, reason)) || ',' || count(*)
            FROM pk_migration_plan('%s', '%s')" "$1" "$2"
}
plan114=$(q "$(plan_sig v114_up "$s")"); plan107=$(q "$(plan_sig v107_up "$s7")")
got=$(q "BEGIN READ ONLY; $(plan_sig v114_up "$s"); $(plan_sig v107_up "$s7");
         SELECT string_agg(DISTINCT mode, ',') FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'
            AND relation IN ('$s.phoenix_kit_settings'::regclass, '$s7.phoenix_kit_ai_endpoints'::regclass);
         SELECT txid_current_if_assigned() IS NULL; COMMIT;" | tr '\n' ' ')
is "$got" "$plan114 $plan107 AccessShareLock t " "BEGIN READ ONLY: pk_migration_plan works, holds ACCESS SHARE only, assigns no transaction id"
like "$plan114" ',9$' "the plan of V114 up has the 8 rewrites and the stamp"
is "$(fingerprint "$s")" "$fp" "nothing changed in $s"
is "$(fingerprint "$s7")" "$fp7" "nothing changed in $s7"

# ------------------------------------------------------------------ hot standby
STANDBY_CHECKS=13
skip_reason=
if [ "${PK_REL_NO_STANDBY:-0}" = 1 ]; then
  skip_reason="PK_REL_NO_STANDBY=1"
else
  facts=$(q "SELECT current_setting('wal_level'), current_setting('max_wal_senders'),
                    (SELECT count(*) FROM pg_stat_replication),
                    EXISTS (SELECT 1 FROM pg_hba_file_rules WHERE type = 'local' AND 'replication' = ANY (database)
                                                              AND auth_method IN ('trust', 'peer')),
                    (SELECT (sum(pg_database_size(datname)) / 1048576)::bigint FROM pg_database)" | tr '|' ' ')
  read -r wal_level senders used hba_ok size_mb <<<"$facts"
  if [ "$wal_level" = minimal ]; then skip_reason="wal_level is minimal"
  elif [ "$senders" -le "$used" ]; then skip_reason="no free WAL sender (max_wal_senders $senders)"
  elif [ "$hba_ok" != t ]; then skip_reason="pg_hba.conf has no trust/peer replication entry for local connections"
  elif [ "$size_mb" -gt "${PK_REL_STANDBY_MAX_MB:-1024}" ]; then skip_reason="the cluster holds ${size_mb} MB, more than PK_REL_STANDBY_MAX_MB=${PK_REL_STANDBY_MAX_MB:-1024}"
  fi
fi

if [ -n "$skip_reason" ]; then
  skip "$STANDBY_CHECKS" "standby: $skip_reason"
  done_testing
fi

# The server must not run as root: run the standby as PK_PG_USER (pgtest) when we are root.
if [ "$(id -u)" -eq 0 ]; then
  RUN_USER=${PK_PG_USER:-pgtest}
  as_run_user() { (cd / && runuser -u "$RUN_USER" -- env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE "$@"); }
else
  as_run_user() { (cd / && env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE "$@"); }
fi
sb_dir=$(mktemp -d /tmp/pkmig-rel-standby.XXXXXX)
chmod 0755 "$sb_dir"
[ "$(id -u)" -ne 0 ] || chown "$RUN_USER": "$sb_dir"
SB_PORT=${PK_REL_STANDBY_PORT:-$((PGPORT + 1000))}
sb_stop() {
  [ -f "$sb_dir/data/postmaster.pid" ] && as_run_user "$PG_BIN/pg_ctl" stop -D "$sb_dir/data" -m immediate -w -t 30 >/dev/null 2>&1
  rm -rf -- "$sb_dir"
}
on_exit sb_stop
sbq() { PGHOST=$sb_dir PGPORT=$SB_PORT q "$@"; }
sb_state() { PGHOST=$sb_dir PGPORT=$SB_PORT state "$@"; }

t0=$(now_ms)
as_run_user mkdir -m 0700 "$sb_dir/data"
if ! as_run_user "$PG_BIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres -D "$sb_dir/data" -R -X stream -c fast \
      >"$REL_TMP/basebackup.log" 2>&1; then
  diag "$(tail -5 "$REL_TMP/basebackup.log")"
  skip "$STANDBY_CHECKS" "standby: pg_basebackup failed"
  done_testing
fi
t1=$(now_ms)
if ! as_run_user "$PG_BIN/pg_ctl" start -D "$sb_dir/data" -l "$sb_dir/standby.log" -w -t 60 \
      -o "-c port=$SB_PORT -c unix_socket_directories='$sb_dir' -c listen_addresses='' -c hot_standby=on -c shared_buffers=32MB -c max_wal_size=256MB" \
      >/dev/null 2>&1; then
  diag "$(tail -5 "$sb_dir/standby.log" 2>/dev/null)"
  skip "$STANDBY_CHECKS" "standby: it did not start"
  done_testing
fi
diag "standby: base backup $((t1 - t0)) ms, start $(( $(now_ms) - t1 )) ms (socket $sb_dir, port $SB_PORT)"

is "$(sbq "SELECT pg_is_in_recovery()")" t "the standby is in recovery (a hot standby)"
is "$(sbq "SELECT concat_ws(',', pk_migration_status('$s') ->> 'version', pk_migration_status('$s') #>> '{migrations,v114_up,can_run}',
                           pk_migration_status('$s7') #>> '{migrations,v107_up,can_run}')")" "113,true,true" \
  "pk_migration_status works on the standby"
is "$(sbq "SELECT provider || '|' || name FROM pk_parse_integration_key('integration:openrouter:team:eu')")" "openrouter|team:eu" \
  "pk_parse_integration_key works on the standby"
is "$(sbq "$(plan_sig v114_up "$s")") $(sbq "$(plan_sig v107_up "$s7")")" "$plan114 $plan107" \
  "pk_migration_plan works on the standby and shows the primary's plan, row for row"
for c in "${calls[0]}" "${calls[1]}" "${calls[3]}" "${calls[5]}"; do
  st=$(sb_state "$c")
  is "$st" 25006 "on the standby: $c -> 25006"
  [ "$st" = 25006 ] || diag "$(last_error)"
done

# Migrate on the primary; the standby catches up.
q "SELECT pk_migrate_v114_up('$s'); SELECT pk_migrate_v107_up('$s7');" >/dev/null 2>&1
lsn=$(q "SELECT pg_current_wal_lsn()")
if PGHOST=$sb_dir PGPORT=$SB_PORT wait_until 30 "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn"; then
  ok 0 "the standby replayed up to the primary's LSN $lsn after the migrations"
else
  ok 1 "the standby replayed up to the primary's LSN $lsn within 30 s"
fi
is "$(sbq "SELECT concat_ws(',', pk_migration_status('$s') ->> 'version', pk_migration_status('$s7') ->> 'version')")" "114,107" \
  "on the standby, status shows the versions the primary committed"
# Primary and standby compared by what they hold (the shared fingerprint is a temporary
# function, which a standby cannot create): every row of the three tables, every column and
# index, and the version comment.
replica_sig() { # SCHEMA
  printf "SELECT md5(concat_ws('|',
     (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM %s.phoenix_kit_settings t),
     (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM %s.phoenix_kit_ai_endpoints t),
     (SELECT string_agg(a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY 1)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = '%s'::regnamespace AND c.relkind = 'r'
         AND a.attnum > 0 AND NOT a.attisdropped),
     (SELECT string_agg(indexdef, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '%s'),
     obj_description('%s.phoenix_kit'::regclass, 'pg_class')))" "$1" "$1" "$1" "$1" "$1"
}
sb_fp() { PGHOST=$sb_dir PGPORT=$SB_PORT q "$(replica_sig "$1")"; }
pr_fp() { q "$(replica_sig "$1")"; }
is "$(sb_fp "$s")" "$(pr_fp "$s")" "V114 up reached the standby: rows, columns, indexes, comment identical to the primary"
is "$(sb_fp "$s7")" "$(pr_fp "$s7")" "V107 up reached the standby: rows, columns, indexes, comment identical to the primary"
is "$(sbq "SELECT count(*) FROM $s.phoenix_kit_settings WHERE key = uuid::text AND module = 'integrations'")" 8 \
  "the standby has the 8 rewritten integration rows"

done_testing
