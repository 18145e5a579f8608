#!/usr/bin/env bash
# The migration script (docs/behaviour.md §13) on a database WITHOUT the extension, the way an
# operator uses it: the target's tables are copied with pg_dump -Fc -t 'public.phoenix_kit*' and
# pg_restore into a database with the extension (the copy), the script is made there with
# pk_migration_script, the extension runs the same migration on the copy, and the script is
# applied to the target with psql as a non-superuser role owning the tables and the schema.
# For V107 up (at 106), V114 up (113), V114 down (114) and V107 down (107), in turn:
#   - the target after the script equals the copy after the extension: every row of
#     phoenix_kit_settings and phoenix_kit_ai_endpoints (md5 in uuid order), the version comment,
#     the endpoints' columns and index names;
#   - a second run says "already applied" and changes nothing (fingerprint);
#   - V107 up, V114 up, V107 down: a decision input changed on the target after the copy (an
#     endpoint's name, a setting's last_validated_at, an endpoint's integration_uuid) refuses
#     with 55000 "differs from the one the script was made from", the uuid in DETAIL, nothing
#     changed (fingerprint); the change is then undone;
#   - V114 up: a credential rotated on the target after the copy (value_json api_key) does not
#     stop the script and survives it.
# On PostgreSQL 18, when the tree of 13 exists (.pg/13): V107 up and V114 up made on 18 from a
# copy of a throwaway 13 cluster's tables, applied there with 13's psql (13 has no extension).
. "$(dirname "$0")/lib.sh"

copy=${REL_PREFIX}copy target=${REL_PREFIX}target copy13=${REL_PREFIX}copy13 owner=${REL_PREFIX}owner copyc=${REL_PREFIX}copyc
E1=019d0ab0-0100-7764-841e-fba3a3b8fb1e S1=019c46d3-12e0-7a7e-97eb-f9b86ccb04a6 S2=019cafb9-bbd8-7b9e-a4d2-27283f8778a3
E2=019d0ab4-94e0-783a-a95d-3f4cd4574292

cleanup_dbs() {
  PGDATABASE=postgres q "SET client_min_messages = warning;
    DROP DATABASE IF EXISTS \"$copy\" WITH (FORCE); DROP DATABASE IF EXISTS \"$target\" WITH (FORCE);
    DROP DATABASE IF EXISTS \"$copy13\" WITH (FORCE); DROP DATABASE IF EXISTS \"$copyc\" WITH (FORCE);
    DROP ROLE IF EXISTS $owner" >/dev/null 2>&1
}
cleanup_dbs
on_exit cleanup_dbs
PGDATABASE=postgres q "CREATE ROLE $owner LOGIN; CREATE DATABASE \"$target\"; CREATE DATABASE \"$copy\"" >/dev/null

# The target: T_HOST/T_PORT/T_DB, applied to with T_PSQL (by default this major's server and psql).
T_HOST=$PGHOST T_PORT=$PGPORT T_DB=$target T_PSQL=$PG_BIN/psql T_ENV=()
tq() { PGHOST=$T_HOST PGPORT=$T_PORT PGDATABASE=$T_DB q "$1"; }
tfp() { PGHOST=$T_HOST PGPORT=$T_PORT PGDATABASE=$T_DB fingerprint public; }
cq() { PGDATABASE=$C_DB q "$1"; }
# What the comparison covers, one line.
STATE="SELECT concat_ws(' | ',
  (SELECT md5(string_agg(t::text, E'\n' ORDER BY t.uuid)) FROM public.phoenix_kit_settings t),
  (SELECT md5(string_agg(t::text, E'\n' ORDER BY t.uuid)) FROM public.phoenix_kit_ai_endpoints t),
  obj_description('public.phoenix_kit'::regclass, 'pg_class'),
  (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute
    WHERE attrelid = 'public.phoenix_kit_ai_endpoints'::regclass AND attnum > 0 AND NOT attisdropped),
  (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'))"

# apply FILE: the script on the target as $owner; messages in $REL_TMP/last.err. Prints the SQLSTATE.
apply() {
  env "${T_ENV[@]}" "$T_PSQL" -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -h "$T_HOST" -p "$T_PORT" -U "$owner" -d "$T_DB" \
    -f "$1" >"$REL_TMP/last.out" 2>"$REL_TMP/last.err"
  _state_of
}

# setup: the fixture's sample at 106 in the target's public schema, owned by $owner; copied into
# C_DB (a database with the extension) with pg_dump -Fc -t / pg_restore.
setup() {
  tq "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
  PGHOST=$T_HOST PGPORT=$T_PORT PGDATABASE=$T_DB qfx "SELECT pg_temp.pk_fixture('public', 106); SELECT pg_temp.pk_fixture_sample('public')" >/dev/null ||
    bail "fixture in $T_DB"
  tq "ALTER SCHEMA public OWNER TO $owner; ALTER TABLE public.phoenix_kit OWNER TO $owner;
      ALTER TABLE public.phoenix_kit_settings OWNER TO $owner; ALTER TABLE public.phoenix_kit_ai_endpoints OWNER TO $owner" >/dev/null
  local rc=0
  "$PG_BIN/pg_dump" -h "$T_HOST" -p "$T_PORT" -d "$T_DB" -Fc -t 'public.phoenix_kit*' -f "$REL_TMP/t.dump" 2>"$REL_TMP/dump.err" || rc=$?
  # pg_dump -t leaves out the fixture's public.uuid_generate_v7() that the columns' defaults call.
  cq "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS phoenix_kit_mig;
      CREATE FUNCTION public.uuid_generate_v7() RETURNS uuid LANGUAGE sql AS 'SELECT gen_random_uuid()'" >/dev/null || rc=$?
  "$PG_BIN/pg_restore" --exit-on-error --no-owner -d "$C_DB" "$REL_TMP/t.dump" 2>>"$REL_TMP/dump.err" || rc=$?
  ok "$rc" "$1: pg_dump -Fc -t 'public.phoenix_kit*' of the target, pg_restore into $C_DB (with the extension)"
  [ "$rc" = 0 ] || diag "$(cat "$REL_TMP/dump.err")"
  if [ "$T_HOST" = "$PGHOST" ]; then
    is "$(PGDATABASE=$C_DB fingerprint public)" "$(tfp)" "$1: the copy's rows, columns, indexes, constraints and stamp equal the target's"
  else # another major: 18 lists NOT NULL constraints in pg_constraint, so no fingerprint across majors
    is "$(cq "$STATE")" "$(tq "$STATE")" "$1: the copy's rows, stamp, columns and indexes equal the target's"
  fi
  is "$(tq "SELECT count(*) FROM pg_extension WHERE extname = 'phoenix_kit_mig'")|$(tq "SELECT rolsuper FROM pg_roles WHERE rolname = '$owner'")" \
    "0|f" "$1: the target has no extension; $owner is no superuser"
}

# refuse MIG DESC CHANGE UNDO UUID: the script refuses on a target where CHANGE was made, and changes nothing.
refuse() {
  tq "$3" >/dev/null
  local fp; fp=$(tfp)
  is "$(apply "$REL_TMP/$1.sql")" 55000 "$1: refused when $2 (55000)"
  like "$(cat "$REL_TMP/last.err")" "differs from the one the script was made from.*$5" "$1: the message says why, DETAIL names $5"
  is "$(tfp)" "$fp" "$1: nothing changed by the refused script"
  tq "$4" >/dev/null
}

# step MIG VERSION [HOOK]: set both to VERSION, make the script, run the extension on the copy,
# (HOOK: refusals etc.), apply the script as $owner, compare, apply it again.
step() {
  local mig=$1 v=$2
  tq "COMMENT ON TABLE public.phoenix_kit IS '$v'" >/dev/null; cq "COMMENT ON TABLE public.phoenix_kit IS '$v'" >/dev/null
  cq "SELECT pk_migration_script('$mig')" >"$REL_TMP/$mig.sql" || bail "pk_migration_script('$mig') failed in $C_DB"
  cq "SET client_min_messages = warning; SELECT pk_migrate_$mig('public')" >/dev/null || bail "pk_migrate_$mig in $C_DB"
  [ -z "${3:-}" ] || "$3" "$mig"
  local st; st=$(apply "$REL_TMP/$mig.sql")
  is "$st" 00000 "$mig: the script (made at $v) applies on the target as $owner"
  [ "$st" = 00000 ] || diag "$(cat "$REL_TMP/last.err")"
  is "$(tq "$STATE")" "$(cq "$STATE")" "$mig: the target after the script = the copy after pk_migrate_$mig (rows, stamp, columns, indexes)"
  local fp; fp=$(tfp)
  is "$(apply "$REL_TMP/$mig.sql")" 00000 "$mig: a second run succeeds"
  like "$(cat "$REL_TMP/last.err")" "NOTICE: .*$mig was already applied" "$mig: a second run says it was already applied"
  is "$(tfp)" "$fp" "$mig: a second run changes nothing"
}

v107_up_hook() {
  refuse "$1" "an endpoint's name changed" "UPDATE public.phoenix_kit_ai_endpoints SET name = 'Default chat 2' WHERE uuid = '$E1'" \
    "UPDATE public.phoenix_kit_ai_endpoints SET name = 'Default chat' WHERE uuid = '$E1'" "$E1"
}
v114_up_hook() {
  refuse "$1" "a setting's last_validated_at changed" \
    "UPDATE public.phoenix_kit_settings SET value_json = value_json || '{\"last_validated_at\": \"2027-01-01T00:00:00Z\"}' WHERE uuid = '$S2'" \
    "UPDATE public.phoenix_kit_settings SET value_json = value_json || '{\"last_validated_at\": \"2026-04-30T10:00:00Z\"}' WHERE uuid = '$S2'" "$S2"
  # A credential rotated on the target after the copy: on the copy too (after its migration), so
  # that the comparison covers it.
  local rot="UPDATE public.phoenix_kit_settings SET value_json = value_json || '{\"api_key\": \"new\"}' WHERE uuid = '$S1'"
  tq "$rot" >/dev/null; cq "$rot" >/dev/null
}
v107_down_hook() {
  refuse "$1" "an endpoint's integration_uuid changed" "UPDATE public.phoenix_kit_ai_endpoints SET integration_uuid = NULL WHERE uuid = '$E2'" \
    "UPDATE public.phoenix_kit_ai_endpoints SET integration_uuid = '$S2' WHERE uuid = '$E2'" "$E2"
}

C_DB=$copy
setup "PostgreSQL $("$PG_BIN/pg_config" --version | awk '{print $2}')"
step v107_up 106 v107_up_hook
step v114_up 113 v114_up_hook
is "$(tq "SELECT concat_ws(',', value_json ->> 'api_key', key, value_json ->> 'provider', value_json ->> 'name') FROM public.phoenix_kit_settings WHERE uuid = '$S1'")" \
  "new,$S1,openrouter,work" "v114_up: the credential rotated after the copy survives the script (and the row is rewritten)"
step v114_down 114
step v107_down 107 v107_down_hook

# ------------------------------------------------------------------ an operator class of the users'
# Two indexes on value (a column no migration reads) with an operator class of the users', made
# apart in the target and in the copy, in the opposite order: the class and the indexes have
# other oids in each, and the facts the script compares name them and list them by name, so
# the script applies (before, it refused: 55000, the facts differ).
opclass="CREATE OPERATOR CLASS public.pk_text_ops FOR TYPE text USING btree AS OPERATOR 1 <, OPERATOR 2 <=,
           OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 bttextcmp(text, text)"
zz="CREATE INDEX pk_zz_value_idx ON public.phoenix_kit_settings (value public.pk_text_ops)"
aa="CREATE INDEX pk_aa_value_idx ON public.phoenix_kit_settings (value public.pk_text_ops)"
tq "$opclass; $zz; $aa" >/dev/null; cq "$opclass; $aa; $zz" >/dev/null
isnt "$(tq "SELECT oid FROM pg_opclass WHERE opcname = 'pk_text_ops'")" "$(cq "SELECT oid FROM pg_opclass WHERE opcname = 'pk_text_ops'")" \
  "opclass: another oid in the target than in the copy"
step v114_up 113
unclass="DROP INDEX public.pk_zz_value_idx, public.pk_aa_value_idx; DROP OPERATOR CLASS public.pk_text_ops USING btree"
tq "$unclass" >/dev/null; cq "$unclass" >/dev/null

# ------------------------------------------------------------------ a copy that folds case otherwise
# lower() folds by the database's LC_CTYPE. Copied into a database whose LC_CTYPE is C (ASCII
# only), 'Étoile' and 'étoile' are two names; on the target (the cluster's UTF-8 LC_CTYPE) they
# are one. The script is made, and where it is applied it refuses with V107 up's own 23505
# listing the group, before its unique index would fail with a bare "could not create unique
# index"; nothing changed.
if [ "$(tq "SELECT lower('É') = 'é'")" != t ]; then
  skip 7 "a copy that folds case otherwise: the target's LC_CTYPE does not fold 'É' (this cluster: $(tq "SHOW lc_ctype"))"
else
  PGDATABASE=postgres q "CREATE DATABASE \"$copyc\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null
  C_DB=$copyc
  setup "a copy whose LC_CTYPE is C"
  for name in 'Étoile' 'étoile'; do
    add="INSERT INTO public.phoenix_kit_ai_endpoints (name, provider, api_key, model, inserted_at, updated_at, uuid)
         VALUES ('$name', 'openrouter', '', 'm', '2026-01-01', '2026-01-01', CASE '$name' WHEN 'Étoile' THEN '$E1'::uuid ELSE '$E2'::uuid END)"
    tq "DELETE FROM public.phoenix_kit_ai_endpoints WHERE uuid = CASE '$name' WHEN 'Étoile' THEN '$E1'::uuid ELSE '$E2'::uuid END; $add" >/dev/null
    cq "DELETE FROM public.phoenix_kit_ai_endpoints WHERE uuid = CASE '$name' WHEN 'Étoile' THEN '$E1'::uuid ELSE '$E2'::uuid END; $add" >/dev/null
  done
  cq "SELECT pk_migration_script('v107_up')" >"$REL_TMP/ctype.sql" 2>"$REL_TMP/ctype.err"
  is "$?" 0 "ctype: the script is made on the C copy (there the names differ)"
  fp=$(tfp)
  is "$(apply "$REL_TMP/ctype.sql")" 23505 "ctype: where the names collide it refuses with 23505"
  like "$(cat "$REL_TMP/last.err")" "share a name when case is ignored.*'étoile': uuid .*'Étoile'.*LC_CTYPE" "ctype: the message, the group in DETAIL and the HINT's cause"
  is "$(tfp)" "$fp" "ctype: nothing changed"
fi

# ------------------------------------------------------------------ made on 18, applied on 13
major=$("$PG_BIN/pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
root13=$REL_ROOT/.pg/13/postgresql
n13=14   # the number of tests below
if [ "$major" != 18 ]; then
  skip $n13 "made on 18, applied on 13: runs only on PostgreSQL 18 (this is $major)"
elif [ ! -x "$root13/bin/postgres" ]; then
  skip $n13 "made on 18, applied on 13: no PostgreSQL 13 tree in .pg/13 (scripts/pgmajors.sh ensure 13)"
else
  pg13=(env -u LD_LIBRARY_PATH PK_PG_MAJOR=13 PK_PG_BIN="$root13/bin" PK_CLUSTER_DIR="$REL_TMP/pg13/cluster"
        PK_SOCKET_DIR="$REL_TMP/pg13" PK_PGPORT=54313 "$REL_ROOT/scripts/pgcluster.sh")
  on_exit "${pg13[*]} stop"
  "${pg13[@]}" start >"$REL_TMP/pg13.log" 2>&1 || bail "cannot start a PostgreSQL 13 cluster: $(cat "$REL_TMP/pg13.log")"
  T_HOST=$REL_TMP/pg13 T_PORT=54313 T_DB=postgres T_PSQL=$root13/bin/psql T_ENV=(-u LD_LIBRARY_PATH) C_DB=$copy13
  PGDATABASE=postgres q "CREATE DATABASE \"$copy13\"" >/dev/null
  tq "CREATE ROLE $owner LOGIN" >/dev/null
  like "$(tq "SELECT version()")" "^PostgreSQL 13\." "the target is a PostgreSQL 13 server"
  setup "PostgreSQL 13 target"
  step v107_up 106
  step v114_up 113
fi

done_testing
