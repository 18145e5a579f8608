#!/usr/bin/env bash
# Dump and restore: a database with the extension, PhoenixKit data (the fixture's sample at
# version 113, owned by a migration role) and EXECUTE on pk_migrate_v114_up granted to that
# role survives pg_dump -Fc -> pg_restore into a new database, with this major's own
# pg_dump/pg_restore:
#   - the extension is there at the same version, the data and the version stamp are identical;
#   - the grant is intact and the revokes from PUBLIC still hold (pg_dump writes ACL changes of
#     extension members relative to pg_init_privs);
#   - the extension works there: status, a dry run, then the migration itself run by the role,
#     with the same counts as a dry run in the source database.
. "$(dirname "$0")/lib.sh"

src=${REL_PREFIX}source dst=${REL_PREFIX}restored role=${REL_PREFIX}migrator kit=${REL_PREFIX}kit
dump=$REL_TMP/source.dump

cleanup_dbs() {
  PGDATABASE=postgres q "SET client_min_messages = warning;
    DROP DATABASE IF EXISTS \"$src\" WITH (FORCE); DROP DATABASE IF EXISTS \"$dst\" WITH (FORCE);
    DROP ROLE IF EXISTS $role" >/dev/null 2>&1
}
cleanup_dbs
on_exit cleanup_dbs
PGDATABASE=postgres q "CREATE ROLE $role LOGIN; CREATE DATABASE \"$src\"; GRANT CREATE ON DATABASE \"$src\" TO $role" >/dev/null

grant="GRANT EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean) TO $role"
PGDATABASE=$src q "CREATE EXTENSION phoenix_kit_mig; $grant" >/dev/null || bail "extension in $src"
PGDATABASE=$src PGUSER=$role qfx "SELECT pg_temp.pk_fixture('$kit', 113); SELECT pg_temp.pk_fixture_sample('$kit')" >/dev/null ||
  bail "fixture in $src"
fp_src=$(PGDATABASE=$src fingerprint "$kit")
dry_src=$(PGDATABASE=$src PGUSER=$role q "SET client_min_messages = warning; SELECT pk_migrate_v114_up('$kit', dry_run => true) - 'elapsed_ms'")
version=$(PGDATABASE=$src q "SELECT extversion FROM pg_extension WHERE extname = 'phoenix_kit_mig'")

rc=0; "$PG_BIN/pg_dump" -Fc -d "$src" -f "$dump" 2>"$REL_TMP/dump.err" || rc=$?
ok "$rc" "$(basename "$PG_BIN/pg_dump") -Fc of $src ($("$PG_BIN/pg_dump" --version))"
[ "$rc" = 0 ] || diag "$(cat "$REL_TMP/dump.err")"
rc=0
PGDATABASE=postgres q "CREATE DATABASE \"$dst\"" >/dev/null || rc=$?
"$PG_BIN/pg_restore" --exit-on-error -d "$dst" "$dump" 2>"$REL_TMP/restore.err" || rc=$?
ok "$rc" "pg_restore into a new database $dst"
[ "$rc" = 0 ] || diag "$(cat "$REL_TMP/restore.err")"

is "$(PGDATABASE=$dst q "SELECT extversion FROM pg_extension WHERE extname = 'phoenix_kit_mig'")" "$version" \
  "the extension is restored at $version"
is "$(PGDATABASE=$dst fingerprint "$kit")" "$fp_src" "the PhoenixKit rows, columns, indexes, constraints and stamp are identical"
is "$(PGDATABASE=$dst q "SELECT has_function_privilege('$role', 'pk_migrate_v114_up(text, boolean, boolean)', 'EXECUTE')")" t \
  "the grant of EXECUTE on pk_migrate_v114_up to $role is intact"
acl() {
  PGDATABASE=$1 q "SELECT string_agg(p.oid::regprocedure::text || ' ' || coalesce(p.proacl::text, '(default)'), ' ; ' ORDER BY p.oid::regprocedure::text)
                     FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'phoenix_kit_mig'
                     JOIN pg_proc p ON p.oid = d.objid
                    WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'"
}
is "$(acl "$dst")" "$(acl "$src")" "every function of the extension has the same privileges (proacl) as in $src"
for f in pk_migrate_v114_up pk_migrate_v114_down pk_migrate_v107_up pk_migrate_v107_down; do
  is "$(PGDATABASE=$dst q "SELECT has_function_privilege('public', '$f(text, boolean, boolean)', 'EXECUTE')")" f \
    "PUBLIC still may not EXECUTE $f"
done

is "$(PGDATABASE=$dst PGUSER=$role q "SELECT concat_ws(',', s ->> 'version', s -> 'migrations' -> 'v114_up' ->> 'can_run') FROM pk_migration_status('$kit') s")" \
  "113,true" "pk_migration_status in the restored database: version 113, V114 up can run"
is "$(PGDATABASE=$dst PGUSER=$role q "SET client_min_messages = warning; SELECT pk_migrate_v114_up('$kit', dry_run => true) - 'elapsed_ms'")" "$dry_src" \
  "a dry run of V114 up there reports what it reported in $src"
got=$(PGDATABASE=$dst PGUSER=$role q "SET client_min_messages = warning; SELECT concat_ws(',', r ->> 'version_after', r ->> 'rows_rewritten', r ->> 'dry_run') FROM pk_migrate_v114_up('$kit') r")
want=$(jq -r '[.version_after, .rows_rewritten, false] | map(tostring) | join(",")' <<<"$dry_src")
is "$got" "$want" "$role migrates the restored data (V114 up: version, rows rewritten)"
is "$(PGDATABASE=$dst q "SELECT count(*) FROM \"$kit\".phoenix_kit_settings WHERE key LIKE 'integration:%'")" 0 \
  "no composite integration key is left in the restored database"

done_testing
