#!/usr/bin/env bash
# Upgrade from the released 0.1.0 (sql/phoenix_kit_mig--0.1.0.sql) with
# ALTER EXTENSION phoenix_kit_mig UPDATE reaches exactly what a fresh install of the current
# version holds, and the EXECUTE an operator granted before the update survives it:
#   - database A: CREATE EXTENSION … VERSION '0.1.0', GRANT EXECUTE ON FUNCTION
#     pk_migrate_v114_up(text, boolean, boolean) TO a migration role, ALTER EXTENSION … UPDATE
#     TO the current default_version;
#   - database B: CREATE EXTENSION (the current version), the same GRANT;
#   - compared generically (no hard-coded list, so new drift is caught): every function that
#     belongs to the extension (pg_depend deptype 'e') with schema, name, arguments (defaults
#     included), result, kind, volatility, strictness, parallel safety, SECURITY DEFINER,
#     leakproof, cost, rows, language, C symbol, SET options (proconfig), comment and
#     privileges (proacl); every other member object; the extension's own attributes;
#   - in A, the migration role still holds EXECUTE and runs the migration on its own schema.
# The 0.1.0 install script is copied into the extension directory of the server's tree
# (it is no part of the packages).
. "$(dirname "$0")/lib.sh"

OLD=0.1.0
ext_dir=$("$PG_BIN/pg_config" --sharedir)/extension
old_sql=$REL_ROOT/sql/phoenix_kit_mig--$OLD.sql
target=$(q "SELECT default_version FROM pg_available_extensions WHERE name = 'phoenix_kit_mig'")
db_a=${REL_PREFIX}updated db_b=${REL_PREFIX}fresh role=${REL_PREFIX}migrator

[ -f "$old_sql" ] || bail "$old_sql is missing"
if ! cmp -s "$old_sql" "$ext_dir/phoenix_kit_mig--$OLD.sql"; then
  cp "$old_sql" "$ext_dir/phoenix_kit_mig--$OLD.sql" 2>/dev/null ||
    bail "cannot copy $old_sql into $ext_dir (run as the owner of the PostgreSQL tree)"
fi
isnt "$target" "$OLD" "the installed default_version ($target) is newer than $OLD"
ok "$([ -f "$ext_dir/phoenix_kit_mig--$OLD--$target.sql" ]; echo $?)" \
  "the update script phoenix_kit_mig--$OLD--$target.sql is installed beside the $target install script"

cleanup_dbs() {
  PGDATABASE=postgres q "SET client_min_messages = warning;
    DROP DATABASE IF EXISTS \"$db_a\" WITH (FORCE); DROP DATABASE IF EXISTS \"$db_b\" WITH (FORCE);
    DROP ROLE IF EXISTS $role" >/dev/null 2>&1
}
cleanup_dbs
on_exit cleanup_dbs
PGDATABASE=postgres q "CREATE DATABASE \"$db_a\"; CREATE DATABASE \"$db_b\"; CREATE ROLE $role LOGIN;
                       GRANT CREATE ON DATABASE \"$db_a\" TO $role" >/dev/null

grant="GRANT EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean) TO $role"
is "$(PGDATABASE=$db_a q "CREATE EXTENSION phoenix_kit_mig VERSION '$OLD'; $grant;
                         SELECT extversion FROM pg_extension WHERE extname = 'phoenix_kit_mig'" 2>&1)" \
  "$OLD" "CREATE EXTENSION phoenix_kit_mig VERSION '$OLD' from the released script, then $grant"
is "$(PGDATABASE=$db_a q "ALTER EXTENSION phoenix_kit_mig UPDATE TO '$target';
                         SELECT extversion FROM pg_extension WHERE extname = 'phoenix_kit_mig'" 2>&1)" \
  "$target" "ALTER EXTENSION phoenix_kit_mig UPDATE TO '$target'"
is "$(PGDATABASE=$db_b q "CREATE EXTENSION phoenix_kit_mig; $grant;
                         SELECT extversion FROM pg_extension WHERE extname = 'phoenix_kit_mig'" 2>&1)" \
  "$target" "a fresh CREATE EXTENSION in another database is $target"

# One line per function of the extension, then every member object, then the extension.
describe() {
  PGDATABASE=$1 q "
SELECT format('function %s.%s(%s) returns %s | kind %s | volatility %s | strict %s | parallel %s | security definer %s | leakproof %s | cost %s | rows %s | language %s | symbol %s %s | config %s | acl %s | comment %s',
              n.nspname, p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
              p.prokind, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef, p.proleakproof,
              p.procost, p.prorows, l.lanname, p.prosrc, p.probin,
              coalesce(array_to_string(p.proconfig, ', '), '-'),
              coalesce((SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(p.proacl) a), '(default)'),
              coalesce(obj_description(p.oid, 'pg_proc'), '-'))
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'phoenix_kit_mig'
  JOIN pg_proc p ON p.oid = d.objid
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
 WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
 ORDER BY 1;
SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'phoenix_kit_mig'
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND d.classid <> 'pg_proc'::regclass
 ORDER BY 1;
SELECT format('extension %s | schema %s | relocatable %s | config %s | comment %s', e.extversion, n.nspname,
              e.extrelocatable, e.extconfig, coalesce(obj_description(e.oid, 'pg_extension'), '-'))
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'phoenix_kit_mig';"
}
desc_a=$(describe "$db_a") desc_b=$(describe "$db_b")
n_funcs=$(grep -c '^function ' <<<"$desc_b" || true)
ok "$([ "$n_funcs" -gt 0 ]; echo $?)" "the fresh install has $n_funcs functions to compare"
if [ "$desc_a" = "$desc_b" ]; then
  ok 0 "updated from $OLD = fresh $target: every function (signature, result, volatility, strictness, parallel, security definer, SET options, comment, schema, privileges) and member"
else
  ok 1 "updated from $OLD = fresh $target: every function (signature, result, volatility, strictness, parallel, security definer, SET options, comment, schema, privileges) and member"
  diag "differences (- updated from $OLD, + fresh $target):" \
    "$(diff <(printf '%s\n' "$desc_a") <(printf '%s\n' "$desc_b") | grep '^[<>]' | sed 's/^</-/; s/^>/+/')"
fi
for f in pk_migrate_v114_up pk_migrate_v114_down pk_migrate_v107_up pk_migrate_v107_down; do
  is "$(PGDATABASE=$db_a q "SELECT has_function_privilege('public', '$f(text, boolean, boolean)', 'EXECUTE')")" f \
    "after the update PUBLIC still may not EXECUTE $f"
done
is "$(PGDATABASE=$db_a q "SELECT has_function_privilege('$role', 'pk_migrate_v114_up(text, boolean, boolean)', 'EXECUTE')")" t \
  "the grant to $role made at $OLD survives the update"

# The migration role uses its grant on the updated extension (its own schema, at 113).
kit=${REL_PREFIX}kit
PGDATABASE=$db_a PGUSER=$role qfx "SELECT pg_temp.pk_fixture('$kit', 113); SELECT pg_temp.pk_fixture_sample('$kit')" >/dev/null ||
  bail "fixture in $db_a"
is "$(PGDATABASE=$db_a PGUSER=$role q "SET client_min_messages = warning; SELECT pk_migrate_v114_up('$kit') ->> 'version_after'" 2>&1)" 114 \
  "$role runs pk_migrate_v114_up on the updated extension"

done_testing
