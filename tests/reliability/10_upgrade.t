#!/usr/bin/env bash
# Upgrade from every released version (0.1.0 and 0.2.0; their install scripts are kept as
# sql/phoenix_kit_mig--<version>.sql) with ALTER EXTENSION phoenix_kit_mig UPDATE reaches exactly
# what a fresh install of the current version holds, and the EXECUTE an operator granted before
# the update survives it. For each released version OLD:
#   - database A(OLD): CREATE EXTENSION … VERSION 'OLD', GRANT EXECUTE ON FUNCTION
#     pk_migrate_v114_up(text, boolean, boolean) TO a migration role, ALTER EXTENSION … UPDATE
#     TO the current default_version (through every update script on the way, e.g.
#     0.1.0--0.2.0 then 0.2.0--0.3.0);
#   - database B: CREATE EXTENSION (the current version), the same GRANT (one for all OLDs);
#   - compared generically (no hard-coded list, so new drift is caught): every function that
#     belongs to the extension (pg_depend deptype 'e') with schema, name, arguments (defaults
#     included), result, kind, volatility, strictness, parallel safety, SECURITY DEFINER,
#     leakproof, cost, rows, language, C symbol, SET options (proconfig), comment and
#     privileges (proacl); every other member object; the extension's own attributes;
#   - in A(OLD), the migration role still holds EXECUTE and runs the migration on its own schema.
# The released install scripts are copied into the extension directory of the server's tree
# (they are no part of the packages), never over the current version's own install script.
. "$(dirname "$0")/lib.sh"

OLDS=(0.1.0 0.2.0)
ext_dir=$("$PG_BIN/pg_config" --sharedir)/extension
target=$(q "SELECT default_version FROM pg_available_extensions WHERE name = 'phoenix_kit_mig'")
[ -n "$target" ] || bail "phoenix_kit_mig is not installed in $ext_dir"
db_b=${REL_PREFIX}fresh role=${REL_PREFIX}migrator
db_of() { printf '%supdated_from_%s' "$REL_PREFIX" "${1//./_}"; }

cleanup_dbs() {
  local sql="SET client_min_messages = warning; DROP DATABASE IF EXISTS \"$db_b\" WITH (FORCE);" old
  for old in "${OLDS[@]}"; do sql+=" DROP DATABASE IF EXISTS \"$(db_of "$old")\" WITH (FORCE);"; done
  PGDATABASE=postgres q "$sql DROP ROLE IF EXISTS $role" >/dev/null 2>&1
}
cleanup_dbs
on_exit cleanup_dbs
PGDATABASE=postgres q "CREATE DATABASE \"$db_b\"; CREATE ROLE $role LOGIN" >/dev/null

grant="GRANT EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean) TO $role"
is "$(PGDATABASE=$db_b q "CREATE EXTENSION phoenix_kit_mig; $grant;
                         SELECT extversion FROM pg_extension WHERE extname = 'phoenix_kit_mig'" 2>&1)" \
  "$target" "a fresh CREATE EXTENSION is the default_version $target, then $grant"

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
desc_b=$(describe "$db_b")
n_funcs=$(grep -c '^function ' <<<"$desc_b" || true)
ok "$([ "$n_funcs" -gt 0 ]; echo $?)" "the fresh install has $n_funcs functions to compare"
what="every function (signature, result, volatility, strictness, parallel, security definer, SET options, comment, schema, privileges) and member"

for old in "${OLDS[@]}"; do
  diag "update from $old to $target"
  db_a=$(db_of "$old")
  old_sql=$REL_ROOT/sql/phoenix_kit_mig--$old.sql
  [ -f "$old_sql" ] || bail "$old_sql is missing"
  # Never over the current version's install script (a tree still installed at $old).
  if [ "$target" = "$old" ]; then
    ok 1 "the installed default_version ($target) is newer than $old (install the current build: scripts/install-extension.sh)"
    continue
  fi
  ok 0 "the installed default_version ($target) is newer than $old"
  if ! cmp -s "$old_sql" "$ext_dir/phoenix_kit_mig--$old.sql"; then
    cp "$old_sql" "$ext_dir/phoenix_kit_mig--$old.sql" 2>/dev/null ||
      bail "cannot copy $old_sql into $ext_dir (run as the owner of the PostgreSQL tree)"
  fi
  # The chain of update scripts PostgreSQL will run, e.g. 0.1.0--0.2.0--0.3.0.
  path=$(q "SELECT path FROM pg_extension_update_paths('phoenix_kit_mig') WHERE source = '$old' AND target = '$target'")
  ok "$([ -n "$path" ]; echo $?)" \
    "update scripts from $old to $target are installed beside the $target install script (path ${path:-none})"

  PGDATABASE=postgres q "CREATE DATABASE \"$db_a\"; GRANT CREATE ON DATABASE \"$db_a\" TO $role" >/dev/null
  is "$(PGDATABASE=$db_a q "CREATE EXTENSION phoenix_kit_mig VERSION '$old'; $grant;
                           SELECT extversion FROM pg_extension WHERE extname = 'phoenix_kit_mig'" 2>&1)" \
    "$old" "CREATE EXTENSION phoenix_kit_mig VERSION '$old' from the released script, then $grant"
  is "$(PGDATABASE=$db_a q "ALTER EXTENSION phoenix_kit_mig UPDATE TO '$target';
                           SELECT extversion FROM pg_extension WHERE extname = 'phoenix_kit_mig'" 2>&1)" \
    "$target" "ALTER EXTENSION phoenix_kit_mig UPDATE TO '$target' from $old"

  desc_a=$(describe "$db_a")
  if [ "$desc_a" = "$desc_b" ]; then
    ok 0 "updated from $old = fresh $target: $what"
  else
    ok 1 "updated from $old = fresh $target: $what"
    diag "differences (- updated from $old, + fresh $target):" \
      "$(diff <(printf '%s\n' "$desc_a") <(printf '%s\n' "$desc_b") | grep '^[<>]' | sed 's/^</-/; s/^>/+/')"
  fi
  for f in pk_migrate_v114_up pk_migrate_v114_down pk_migrate_v107_up pk_migrate_v107_down; do
    is "$(PGDATABASE=$db_a q "SELECT has_function_privilege('public', '$f(text, boolean, boolean)', 'EXECUTE')")" f \
      "after the update from $old PUBLIC still may not EXECUTE $f"
  done
  is "$(PGDATABASE=$db_a q "SELECT has_function_privilege('$role', 'pk_migrate_v114_up(text, boolean, boolean)', 'EXECUTE')")" t \
    "the grant to $role made at $old survives the update"

  # The migration role uses its grant on the updated extension (its own schema, at 113).
  kit=${REL_PREFIX}kit
  PGDATABASE=$db_a PGUSER=$role qfx "SELECT pg_temp.pk_fixture('$kit', 113); SELECT pg_temp.pk_fixture_sample('$kit')" >/dev/null ||
    bail "fixture in $db_a"
  is "$(PGDATABASE=$db_a PGUSER=$role q "SET client_min_messages = warning; SELECT pk_migrate_v114_up('$kit') ->> 'version_after'" 2>&1)" 114 \
    "$role runs pk_migrate_v114_up on the database updated from $old"
done

done_testing
