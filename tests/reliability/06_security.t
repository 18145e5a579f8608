#!/usr/bin/env bash
# Security (docs/behaviour.md §1: the prefix is only a quoted identifier; SECURITY INVOKER with
# search_path = pg_catalog, pg_temp; EXECUTE revoked from PUBLIC; pk_parse_integration_key
# callable by anyone):
#   - prefixes carrying SQL do nothing but a clear 3F000 naming them, and drop nothing;
#     schemas whose names ARE such strings are migrated like any other;
#   - tables planted in a schema earlier on the caller's search_path, in pg_temp, and
#     functions/operators planted ahead of pg_catalog are neither touched nor used;
#   - an overload of the extension's own helpers planted in the extension's schema (possible
#     for a role with CREATE there) is not called;
#   - privileges: no EXECUTE -> 42501; EXECUTE without table privileges -> 42501; SELECT only
#     -> 42501; every DML privilege but not the owner -> 42501 at the owner-only step; each
#     with nothing changed; a non-superuser owner with EXECUTE can migrate; parse and status
#     are callable by a plain role;
#   - a schema name crafted by a non-superuser (template holes, quotes, comment openers) and
#     checked by a superuser's status and plan names exactly her schema and runs nothing of hers.
. "$(dirname "$0")/lib.sh"

canary=${REL_PREFIX}canary
tgt=$(new_schema target 113)
tgt7=$(new_schema target7 106)
qfx "SELECT pg_temp.pk_fixture_sample('$tgt'); SELECT pg_temp.pk_fixture_sample('$tgt7')" >/dev/null
q "CREATE SCHEMA $canary; CREATE TABLE $canary.x (i int); CREATE TABLE $canary.y (i int);
   CREATE TABLE $canary.phoenix_kit (i int); INSERT INTO $canary.x VALUES (1); INSERT INTO $canary.y VALUES (2);" >/dev/null
canaries() { q "SELECT count(*) FROM pg_tables WHERE schemaname = '$canary'"; }

# ------------------------------------------------------------------ SQL in the prefix
fp_t=$(fingerprint "$tgt"); fp_t7=$(fingerprint "$tgt7")
prefixes=(
  "public; DROP TABLE x --"
  "'"
  '"'
  'x"; DROP TABLE y; --'
  "'; DROP TABLE x; --"
  "x'); DROP TABLE x; --"
  '$$; DROP TABLE x; $$'
  "\\'; DROP TABLE y; --"
  "$tgt\"; DROP TABLE $canary.x; --"
  "$tgt; DROP TABLE $canary.y"
)
for p in "${prefixes[@]}"; do
  lit=${p//\'/\'\'}
  for f in pk_migrate_v114_up pk_migrate_v114_down pk_migrate_v107_up pk_migrate_v107_down pk_migration_status; do
    st=$(state "SET search_path = $canary, public; SELECT $f('$lit')")
    [ "$st" = 3F000 ] && grep -qF -- "schema \"$p\" does not exist" "$REL_TMP/last.err"
    ok $? "$f(prefix => $p): 3F000 naming the prefix verbatim"
    [ "$st" = 3F000 ] || diag "got $st: $(last_error)"
  done
done
is "$(canaries)" 3 "no canary table was dropped"
is "$(fingerprint "$tgt")" "$fp_t" "the real schemas are unchanged ($tgt)"
is "$(fingerprint "$tgt7")" "$fp_t7" "the real schemas are unchanged ($tgt7)"

# Schemas whose names are injection strings are just names.
# A newline in a name must not end a comment of a statement template and turn the rest of
# the line into SQL (the 1/0 would fail the call with 22012).
for name in 'x"; DROP TABLE y; --' "it's" "$(printf 'nl\nSELECT 1/0; --')"; do
  odd="${REL_PREFIX}$name"
  lit=${odd//\'/\'\'}
  qfx "SELECT pg_temp.pk_fixture('$lit', 106); SELECT pg_temp.pk_fixture_sample('$lit')" >/dev/null
  got=$(q "SET search_path = $canary, public;
           SELECT (pk_migrate_v107_up('$lit') ->> 'version_after') || ',' || (pk_migrate_v114_up('$lit', force => true) ->> 'rows_rewritten')
                  || ',' || (pk_migrate_v114_down('$lit') ->> 'rows_rewritten') || ',' || (pk_migrate_v107_down('$lit', force => true) ->> 'version_after')" 2>/dev/null)
  is "$got" "107,8,8,113" "a schema named ${odd//$'\n'/\\n} is migrated up and down like any other"
done
is "$(canaries)" 3 "still no canary table dropped"

# ------------------------------------------------------------------ planted objects
evil=${REL_PREFIX}evil
qfx "SELECT pg_temp.pk_fixture('$evil', 113); SELECT pg_temp.pk_fixture_sample('$evil');" >/dev/null
q "
CREATE FUNCTION $evil.hijacked() RETURNS text LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'HIJACKED: planted object used'; END \$\$;
CREATE FUNCTION $evil.lower(text) RETURNS text LANGUAGE sql AS \$\$ SELECT $evil.hijacked() \$\$;
CREATE FUNCTION $evil.lower(character varying) RETURNS text LANGUAGE sql AS \$\$ SELECT $evil.hijacked() \$\$;
CREATE FUNCTION $evil.strpos(text, text) RETURNS int LANGUAGE sql AS \$\$ SELECT length($evil.hijacked()) \$\$;
CREATE FUNCTION $evil.jsonb_typeof(jsonb) RETURNS text LANGUAGE sql AS \$\$ SELECT $evil.hijacked() \$\$;
CREATE FUNCTION $evil.count(anyelement) RETURNS bigint LANGUAGE sql AS \$\$ SELECT length($evil.hijacked())::bigint \$\$;
CREATE FUNCTION $evil.quote_literal(text) RETURNS text LANGUAGE sql AS \$\$ SELECT $evil.hijacked() \$\$;
CREATE FUNCTION $evil.obj_description(oid, name) RETURNS text LANGUAGE sql AS \$\$ SELECT $evil.hijacked() \$\$;
CREATE FUNCTION $evil.eq(character varying, text) RETURNS boolean LANGUAGE sql AS \$\$ SELECT $evil.hijacked() IS NULL \$\$;
CREATE OPERATOR $evil.= (LEFTARG = character varying, RIGHTARG = text, FUNCTION = $evil.eq);
CREATE FUNCTION $evil.like(character varying, text) RETURNS boolean LANGUAGE sql AS \$\$ SELECT $evil.hijacked() IS NULL \$\$;
CREATE OPERATOR $evil.~~ (LEFTARG = character varying, RIGHTARG = text, FUNCTION = $evil.like);
CREATE FUNCTION $evil.cat(text, text) RETURNS text LANGUAGE sql AS \$\$ SELECT $evil.hijacked() \$\$;
CREATE OPERATOR $evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = $evil.cat);
" >/dev/null || bail "cannot plant objects"
fp_evil=$(fingerprint "$evil")
# Sanity: with this search_path the planted objects really do shadow the built-ins.
is "$(state "SET search_path = $evil, pg_catalog, public; SELECT lower('X'::varchar)")" P0001 \
  "sanity: with $evil ahead of pg_catalog, lower() resolves to the planted function"
planted_session="SET search_path = $evil, pg_catalog, public, pg_temp;
CREATE TEMP TABLE phoenix_kit (i int); CREATE TEMP TABLE phoenix_kit_settings (key text); CREATE TEMP TABLE phoenix_kit_ai_endpoints (name text);
INSERT INTO pg_temp.phoenix_kit_settings VALUES ('integration:temp:x'); INSERT INTO pg_temp.phoenix_kit_ai_endpoints VALUES ('temp');
CREATE FUNCTION pg_temp.lower(character varying) RETURNS text LANGUAGE sql AS \$\$ SELECT $evil.hijacked() \$\$;"
got=$(q "$planted_session
SELECT concat_ws(',', public.pk_migrate_v107_up('$tgt7') ->> 'version_after', public.pk_migrate_v114_up('$tgt7', force => true) ->> 'rows_rewritten',
                 public.pk_migration_status('$tgt7') ->> 'version', public.pk_migrate_v114_down('$tgt7') ->> 'rows_rewritten',
                 public.pk_migrate_v107_down('$tgt7', force => true) ->> 'version_after', public.pk_migrate_v114_up('$tgt', dry_run => true) ->> 'rows_rewritten');
SELECT string_agg(key, ',') FROM pg_temp.phoenix_kit_settings;
SELECT string_agg(name, ',') FROM pg_temp.phoenix_kit_ai_endpoints;" 2>"$REL_TMP/planted.err")
is "$got" "$(printf '107,8,114,8,113,8\nintegration:temp:x\ntemp')" \
  "with planted tables, functions and operators on the search_path (also in pg_temp), all four migrations and status work on the target; the pg_temp tables are untouched"
[ -s "$REL_TMP/planted.err" ] && grep -q ERROR "$REL_TMP/planted.err" && diag "$(grep ERROR "$REL_TMP/planted.err")"
is "$(fingerprint "$evil")" "$fp_evil" "the planted PhoenixKit tables earlier on the search_path are untouched"
# Back to a fresh 106 for what follows.
tgt7=$(new_schema target7 106)
qfx "SELECT pg_temp.pk_fixture_sample('$tgt7')" >/dev/null

# Overloads of the extension's own helpers in the extension's schema (a better match for the
# varchar columns the migrations pass). Only a role with CREATE on that schema can do this.
ext=$(q "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'phoenix_kit_mig'")
plant_ext="
CREATE FUNCTION $ext.pk_v114_provider(character varying, text) RETURNS text LANGUAGE sql AS \$\$ SELECT 'HIJACKED' \$\$;
CREATE FUNCTION $ext.pk_v114_name(character varying, text) RETURNS text LANGUAGE sql AS \$\$ SELECT 'HIJACKED' \$\$;
CREATE FUNCTION $ext.pk_named_key_provider(character varying) RETURNS text LANGUAGE sql AS \$\$ SELECT 'HIJACKED' \$\$;
CREATE FUNCTION $ext.pk_text_to_uuid(character varying) RETURNS uuid LANGUAGE sql AS \$\$ SELECT '00000000-0000-0000-0000-00000000dead'::uuid \$\$;
CREATE FUNCTION $ext.pk_v114_composite_key(text, text, text) RETURNS text LANGUAGE sql AS \$\$ SELECT 'HIJACKED:' || \$1 || ':' || \$2 \$\$;"
unplant_ext="
DROP FUNCTION IF EXISTS $ext.pk_v114_provider(character varying, text);
DROP FUNCTION IF EXISTS $ext.pk_v114_name(character varying, text);
DROP FUNCTION IF EXISTS $ext.pk_named_key_provider(character varying);
DROP FUNCTION IF EXISTS $ext.pk_text_to_uuid(character varying);
DROP FUNCTION IF EXISTS $ext.pk_v114_composite_key(text, text, text);"
on_exit "q \"$unplant_ext\""
q "$plant_ext" >/dev/null
got=$(q "SELECT pk_migrate_v114_up('$tgt', dry_run => true)::text" 2>/dev/null)
dry_prov=$(jq -r '[.provider_filled, .provider_repaired, .name_filled] | map(tostring) | join(",")' <<<"$got")
got=$(q "BEGIN;
SELECT pk_migrate_v114_up('$tgt') IS NOT NULL;
SELECT count(*) FROM $tgt.phoenix_kit_settings WHERE value_json::text LIKE '%HIJACKED%';
ROLLBACK;" 2>/dev/null | tail -1)
is "$got" 0 "V114 up does not call a pk_v114_provider/pk_v114_name overload planted in the extension's schema (no 'HIJACKED' written)"
is "$dry_prov" "0,1,3" "V114 up's report is not skewed by a planted overload (provider_filled, provider_repaired, name_filled of the sample)"
got=$(q "BEGIN;
SELECT pk_migrate_v107_up('$tgt7') IS NOT NULL;
SELECT count(*) FROM $tgt7.phoenix_kit_ai_endpoints WHERE integration_uuid = '00000000-0000-0000-0000-00000000dead';
SELECT (SELECT integration_uuid::text FROM $tgt7.phoenix_kit_ai_endpoints WHERE name = 'Default chat');
ROLLBACK;" 2>/dev/null | tail -2 | paste -sd,)
is "$got" "0,019c46d3-12e0-7a7e-97eb-f9b86ccb04a6" \
  "V107 up does not call a pk_named_key_provider/pk_text_to_uuid overload planted in the extension's schema"
got=$(q "BEGIN;
DROP FUNCTION $ext.pk_v114_provider(character varying, text); DROP FUNCTION $ext.pk_v114_name(character varying, text);
SELECT pk_migrate_v114_up('$tgt') IS NOT NULL;
SELECT pk_migrate_v114_down('$tgt') IS NOT NULL;
SELECT count(*) FROM $tgt.phoenix_kit_settings WHERE key LIKE '%HIJACKED%';
ROLLBACK;" 2>"$REL_TMP/down.err" | tail -1)
is "$got" 0 "V114 down does not call a pk_v114_composite_key(text, text, text) overload planted in the extension's schema"
[ "$got" = 0 ] || diag "$(grep -E 'ERROR|HIJACKED' "$REL_TMP/down.err" | head -3)"
q "$unplant_ext" >/dev/null

# ------------------------------------------------------------------ privileges
r_nobody=${REL_PREFIX}nobody r_exec=${REL_PREFIX}exec r_select=${REL_PREFIX}select r_writer=${REL_PREFIX}writer r_owner=${REL_PREFIX}owner
roles=("$r_nobody" "$r_exec" "$r_select" "$r_writer" "$r_owner")
drop_roles() {
  local r
  for r in "${roles[@]}"; do
    q "SET client_min_messages = warning; DROP OWNED BY $r CASCADE; DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true
  done
}
drop_roles
on_exit drop_roles
for r in "${roles[@]}"; do q "CREATE ROLE $r LOGIN" >/dev/null; done
migs="FUNCTION pk_migrate_v114_up(text, boolean, boolean), pk_migrate_v114_down(text, boolean, boolean),
      pk_migrate_v107_up(text, boolean, boolean), pk_migrate_v107_down(text, boolean, boolean)"
q "GRANT EXECUTE ON $migs TO $r_exec, $r_select, $r_writer, $r_owner;
   GRANT USAGE ON SCHEMA $tgt, $tgt7 TO $r_select, $r_writer;
   GRANT SELECT ON ALL TABLES IN SCHEMA $tgt TO $r_select, $r_writer;
   GRANT SELECT ON ALL TABLES IN SCHEMA $tgt7 TO $r_select, $r_writer;
   GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA $tgt TO $r_writer;
   GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA $tgt7 TO $r_writer;" >/dev/null

attrs=$(q "SELECT string_agg(DISTINCT has_function_privilege('public', p.oid, 'EXECUTE') || ':' || p.prosecdef || ':'
                             || array_to_string(p.proconfig, ';') || ':' || p.provolatile::text || p.proparallel::text, ' ')
             FROM pg_proc p WHERE p.proname LIKE 'pk_migrate_%'")
is "$attrs" "false:false:search_path=pg_catalog, pg_temp;enable_nestloop=off;jit=off:vu" \
  "the four migrations: no EXECUTE for PUBLIC, SECURITY INVOKER, search_path pinned, VOLATILE PARALLEL UNSAFE"

as_role() { # ROLE SQL: SQLSTATE of SQL run by a session logged in as ROLE
  PGUSER=$1 state "$2"
}
# Expected SQLSTATE per role for: v114 up, v114 down (a no-op re-run at 113: nothing to
# rewrite, no stamp), v114 up dry run, v107 up, v107 down (a no-op at 106 under force).
# The privileges each migration needs are checked up front, whatever the run would find to
# do (README "Privileges"): a writer that does not own phoenix_kit cannot even re-run.
calls=("SELECT pk_migrate_v114_up('$tgt')" "SELECT pk_migrate_v114_down('$tgt')" "SELECT pk_migrate_v114_up('$tgt', dry_run => true)"
       "SELECT pk_migrate_v107_up('$tgt7')" "SELECT pk_migrate_v107_down('$tgt7', force => true)")
declare -A want=(
  [$r_nobody]="42501 42501 42501 42501 42501"
  [$r_exec]="42501 42501 42501 42501 42501"
  [$r_select]="42501 42501 42501 42501 42501"
  [$r_writer]="42501 42501 42501 42501 42501"
)
fp_t=$(fingerprint "$tgt"); fp_t7=$(fingerprint "$tgt7")
for r in "$r_nobody" "$r_exec" "$r_select" "$r_writer"; do
  read -r -a w <<<"${want[$r]}"
  for i in "${!calls[@]}"; do
    st=$(as_role "$r" "${calls[$i]}")
    is "$st" "${w[$i]}" "$r: ${calls[$i]} -> ${w[$i]}"
    [ "$st" = "${w[$i]}" ] || diag "$(last_error)"
  done
done
grep -q "v107_up needs ownership (membership in the owning role) on $tgt7.phoenix_kit_ai_endpoints" <<<"$(PGUSER=$r_writer state "SELECT pk_migrate_v107_up('$tgt7')" >/dev/null; cat "$REL_TMP/last.err")"
ok $? "$r_writer (all DML, not the owner): V107 up is refused up front, naming the table and the privilege"
is "$(fingerprint "$tgt")" "$fp_t" "after every refused call, $tgt is unchanged"
is "$(fingerprint "$tgt7")" "$fp_t7" "after every refused call, $tgt7 is unchanged"

# Plain roles: the parser and the status.
is "$(PGUSER=$r_nobody q "SELECT provider || '|' || name FROM pk_parse_integration_key('integration:a:b:c')")" "a|b:c" \
  "a role without any grant can call pk_parse_integration_key"
is "$(PGUSER=$r_nobody q "SELECT has_function_privilege('pk_migration_status(text)', 'EXECUTE')")" t \
  "a role without any grant may EXECUTE pk_migration_status"
is "$(PGUSER=$r_nobody q "SELECT (pk_migration_status('$tgt') -> 'migrations' -> 'v114_up' -> 'blockers' -> 0 ->> 'sqlstate') || ','
                                  || COALESCE(pk_migration_status('$tgt') -> 'migrations' -> 'v114_up' ->> 'pending', 'null')")" "42501,null" \
  "... it reports that the role cannot run it (42501) and reads no rows of a schema the role cannot read"
is "$(PGUSER=$r_select q "SELECT (pk_migration_status('$tgt') -> 'migrations' -> 'v114_up' ->> 'can_run') || ',' || (pk_migration_status('$tgt') ->> 'version')
                               || ',' || (pk_migration_status('$tgt') -> 'migrations' -> 'v114_up' ->> 'pending')")" \
  "false,113,8" "a read-only role (USAGE + SELECT) gets the full status: what is pending, and that it may not run it"

# A non-superuser owner with EXECUTE can migrate its own schema.
own=${REL_PREFIX}owned
q "GRANT CREATE ON DATABASE \"$PGDATABASE\" TO $r_owner" >/dev/null
PGUSER=$r_owner qfx "SELECT pg_temp.pk_fixture('$own', 106); SELECT pg_temp.pk_fixture_sample('$own')" >/dev/null
is "$(PGUSER=$r_owner q "SELECT concat_ws(',', pk_migrate_v107_up('$own') ->> 'version_after', pk_migrate_v114_up('$own', force => true) ->> 'rows_rewritten',
                                             pk_migrate_v114_down('$own') ->> 'rows_rewritten', pk_migrate_v107_down('$own', force => true) ->> 'version_after')" 2>/dev/null)" \
  "107,8,8,113" "a non-superuser that owns the tables and was granted EXECUTE runs all four migrations"

# A schema name crafted by a role that may create schemas, checked by a superuser's status and
# plan calls (§1): every statement names exactly her schema, and nothing of hers runs. Each name
# holds a template hole, quotes, a comment opener or a newline; beside them she prepares what a
# statement rewritten by text substitution would reach: a schema ".x s, --" whose view x calls
# her function, which would make her a superuser and log the call.
mallory=${REL_PREFIX}mallory
drop_mallory() { q "SET client_min_messages = warning; DROP OWNED BY $mallory CASCADE; DROP ROLE IF EXISTS $mallory" >/dev/null 2>&1 || true; }
drop_mallory
on_exit drop_mallory
q "CREATE ROLE $mallory LOGIN; GRANT CREATE ON DATABASE \"$PGDATABASE\" TO $mallory" >/dev/null
PGUSER=$mallory q "CREATE SCHEMA ${mallory}_own;
  CREATE TABLE ${mallory}_own.calls (by name);
  CREATE FUNCTION ${mallory}_own.pwn() RETURNS int LANGUAGE plpgsql AS \$\$
  BEGIN
    INSERT INTO ${mallory}_own.calls VALUES (current_user);
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN EXECUTE 'ALTER ROLE $mallory SUPERUSER'; END IF;
    RETURN 1;
  END \$\$;
  CREATE SCHEMA \".x s, --\";
  CREATE VIEW \".x s, --\".x AS SELECT NULL::uuid AS uuid, 'integration:a:b'::varchar AS key, NULL::varchar AS module,
         NULL::jsonb AS value_json, ${mallory}_own.pwn() AS pwned;" >/dev/null
crafted=('.x s, --@kit@' 'a@plan@b' '@endpoints@") x --' "x\"; SELECT ${mallory}_own.pwn(); --@settings@"
         "$(printf '@candidates@\n; SELECT 1 --')" '*/@unpinned@/*' '$1@key_max@$q$')
for name in "${crafted[@]}"; do
  lit=${name//\'/\'\'}
  PGUSER=$mallory qfx "SELECT pg_temp.pk_fixture('$lit', 106); SELECT pg_temp.pk_fixture_sample('$lit')" >/dev/null
  got=$(q "SELECT (pk_migration_status('$lit') ->> 'schema') = '$lit' AND (pk_migration_status('$lit') ->> 'version') = '106'
              AND (SELECT count(*) FROM pk_migration_plan('v107_up', '$lit') WHERE action = 'pin') > 0
              AND (SELECT count(*) FROM pk_migration_plan('v114_up', '$lit')) > 0" 2>&1)
  is "$got" t "a superuser's status and plan of the crafted schema $(printf %q "$name") name exactly that schema"
done
is "$(q "SELECT rolsuper FROM pg_roles WHERE rolname = '$mallory'")" f "... and the role that crafted the names did not become a superuser"
is "$(q "SELECT count(*) FROM ${mallory}_own.calls")" 0 "... and none of her code ran"

done_testing
