#!/usr/bin/env bash
# Hostile table configurations (docs/behaviour.md §11), against every migration and its dry
# run: each configuration is built on a fresh schema with sample data, then each migration it
# concerns is called for real and as a dry run. Every call must end with the promised SQLSTATE
# and leave the schema's fingerprint (tests/fingerprint.sql) exactly as it was — or, where the
# configuration does not touch what that migration writes, succeed.
#
#   view        the table replaced by a view over a copy                      42809
#   partitioned the table partitioned, its partition in another schema         55000
#   inherited   a child table in another schema inherits it                   55000
#   rule        an ON UPDATE rule on it                                       55000
#   rls         row-level security with a policy, run by a role it applies to 42501
#   keep        a BEFORE UPDATE trigger that undoes the migration's change     27000
#   skip        a BEFORE UPDATE trigger that skips a row (returns NULL)       27000
#   after       an AFTER UPDATE trigger that changes the row again            27000
#   raises      a trigger raising its own SQLSTATE (PK042)                    PK042
. "$(dirname "$0")/lib.sh"

role=${REL_PREFIX}hostile_role
q "SET client_min_messages = warning; DROP OWNED BY $role CASCADE; DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
q "CREATE ROLE $role LOGIN" >/dev/null
q "GRANT EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean), pk_migrate_v114_down(text, boolean, boolean),
                             pk_migrate_v107_up(text, boolean, boolean), pk_migrate_v107_down(text, boolean, boolean) TO $role" >/dev/null
on_exit "q \"SET client_min_messages = warning; DROP OWNED BY $role CASCADE; DROP ROLE IF EXISTS $role\" >/dev/null 2>&1"

# fresh MIGRATION: a schema at the version MIGRATION runs from, with sample data in its shape.
fresh() {
  local m=$1 s=${REL_PREFIX}h_$1 v
  case $m in v114_up) v=113 ;; v114_down) v=114 ;; v107_up) v=106 ;; v107_down) v=107 ;; esac
  q "SET client_min_messages = warning; DROP SCHEMA IF EXISTS ${s}_other CASCADE; DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null
  qfx "SELECT pg_temp.pk_fixture('$s', $v); SELECT pg_temp.pk_fixture_sample('$s')" >/dev/null || bail "fixture $s"
  if [ "$m" = v114_down ]; then
    q "UPDATE $s.phoenix_kit_settings SET key = uuid::text, module = 'integrations',
              value_json = COALESCE(NULLIF(value_json, 'null'), '{}') || jsonb_build_object('provider', 'p', 'name', 'n' || key)
        WHERE key LIKE 'integration:%'" >/dev/null
  fi
  if [ "$m" = v107_down ]; then
    q "UPDATE $s.phoenix_kit_ai_endpoints SET integration_uuid = (SELECT min(uuid::text)::uuid FROM $s.phoenix_kit_settings)" >/dev/null
  fi
  q "CREATE SCHEMA ${s}_other; GRANT USAGE, CREATE ON SCHEMA $s TO $role; GRANT ALL ON ALL TABLES IN SCHEMA $s TO $role;
     ALTER TABLE $s.phoenix_kit OWNER TO $role; ALTER TABLE $s.phoenix_kit_ai_endpoints OWNER TO $role" >/dev/null
  printf '%s\n' "$s"
}

# configure SCHEMA TABLE CONFIG: make TABLE of SCHEMA hostile.
configure() {
  local s=$1 t=$2 c=$3 col
  case $t in phoenix_kit_settings) col=key ;; *) col=integration_uuid ;; esac
  case $c in
    view) q "ALTER TABLE $s.$t RENAME TO ${t}_data; CREATE VIEW $s.$t AS SELECT * FROM $s.${t}_data; GRANT ALL ON $s.$t TO $role" ;;
    partitioned) q "CREATE TABLE ${s}_other.copy AS SELECT * FROM $s.$t; DROP TABLE $s.$t CASCADE;
                    CREATE TABLE $s.$t (LIKE ${s}_other.copy) PARTITION BY HASH (uuid);
                    CREATE TABLE ${s}_other.part PARTITION OF $s.$t FOR VALUES WITH (MODULUS 1, REMAINDER 0);
                    INSERT INTO $s.$t SELECT * FROM ${s}_other.copy; GRANT ALL ON $s.$t TO $role" ;;
    inherited) q "CREATE TABLE ${s}_other.child () INHERITS ($s.$t)" ;;
    rule) q "CREATE RULE hostile AS ON UPDATE TO $s.$t DO ALSO NOTIFY hostile" ;;
    rls) q "ALTER TABLE $s.$t ENABLE ROW LEVEL SECURITY; ALTER TABLE $s.$t FORCE ROW LEVEL SECURITY;
            CREATE POLICY half ON $s.$t USING (md5(uuid::text) < '8')" ;;
    keep) q "CREATE FUNCTION ${s}_other.keep() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN NEW := OLD; RETURN NEW; END \$\$;
             CREATE TRIGGER hostile BEFORE UPDATE ON $s.$t FOR EACH ROW WHEN (md5(OLD.uuid::text) < '4') EXECUTE FUNCTION ${s}_other.keep()" ;;
    skip) q "CREATE FUNCTION ${s}_other.skip() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RETURN NULL; END \$\$;
             CREATE TRIGGER hostile BEFORE UPDATE ON $s.$t FOR EACH ROW WHEN (md5(OLD.uuid::text) < '4') EXECUTE FUNCTION ${s}_other.skip()" ;;
    after) q "CREATE FUNCTION ${s}_other.again() RETURNS trigger LANGUAGE plpgsql AS \$\$
                BEGIN EXECUTE format('UPDATE %I.%I SET %I = \$1 WHERE uuid = \$2', TG_TABLE_SCHEMA, TG_TABLE_NAME, '$col') USING OLD.$col, OLD.uuid; RETURN NULL; END \$\$;
              CREATE TRIGGER hostile AFTER UPDATE ON $s.$t FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND md5(OLD.uuid::text) < '4')
                EXECUTE FUNCTION ${s}_other.again()" ;;
    raises) q "CREATE FUNCTION ${s}_other.raises() RETURNS trigger LANGUAGE plpgsql AS \$\$
                 BEGIN RAISE EXCEPTION 'hostile trigger' USING ERRCODE = 'PK042'; END \$\$;
               CREATE TRIGGER hostile BEFORE UPDATE ON $s.$t FOR EACH ROW EXECUTE FUNCTION ${s}_other.raises()" ;;
  esac >/dev/null
}

# Which table each migration's row rewrite targets, and the SQLSTATE each configuration of that
# table must give; configurations of a table a migration only reads (V107 up reads settings)
# are checked too, for the refusals that concern reading.
declare -A target=([v114_up]=phoenix_kit_settings [v114_down]=phoenix_kit_settings
                   [v107_up]=phoenix_kit_ai_endpoints [v107_down]=phoenix_kit_ai_endpoints)
declare -A want=([view]=42809 [partitioned]=55000 [inherited]=55000 [rule]=55000 [rls]=42501
                 [keep]=27000 [skip]=27000 [after]=27000 [raises]=PK042)
for m in v114_up v114_down v107_up v107_down; do
  configs="view partitioned inherited rule rls keep skip after raises"
  # V107 down changes no row (DDL only): triggers on UPDATE never fire.
  [ "$m" = v107_down ] && configs="view partitioned inherited rule rls"
  for c in $configs; do
    for dry in false true; do
      s=$(fresh "$m"); configure "$s" "${target[$m]}" "$c"
      before=$(fingerprint "$s")
      st=$(PGUSER=$role state "SELECT pk_migrate_$m('$s', dry_run => $dry, force => true)")
      is "$st" "${want[$c]}" "$m (dry_run $dry), $c ${target[$m]}: ${want[$c]}"
      [ "$st" = "${want[$c]}" ] || diag "$(last_error)"
      is "$(fingerprint "$s")" "$before" "$m (dry_run $dry), $c ${target[$m]}: nothing changed"
    done
  done
done
# V107 up also reads the settings: a view, inheritance or a policy there is refused too.
for c in view inherited rls; do
  s=$(fresh v107_up); configure "$s" phoenix_kit_settings "$c"
  before=$(fingerprint "$s")
  st=$(PGUSER=$role state "SELECT pk_migrate_v107_up('$s')")
  is "$st" "${want[$c]}" "v107_up, $c phoenix_kit_settings (read only): ${want[$c]}"
  is "$(fingerprint "$s")" "$before" "v107_up, $c phoenix_kit_settings: nothing changed"
done
# RLS run by the owner of a table that is not FORCEd succeeds; a trigger that only stamps
# date_updated does not (verified means the whole row): 27000, nothing changed.
s=$(fresh v114_up)
q "ALTER TABLE $s.phoenix_kit_settings ENABLE ROW LEVEL SECURITY; CREATE POLICY none ON $s.phoenix_kit_settings USING (false)" >/dev/null
n=$(q "SELECT count(*) FROM $s.phoenix_kit_settings WHERE key LIKE 'integration:%'")
is "$(q "SELECT pk_migrate_v114_up('$s') ->> 'rows_rewritten'")" "$n" \
  "v114_up by the table's owner under RLS (not FORCEd): every row rewritten"
s=$(fresh v114_up)
q "CREATE FUNCTION ${s}_other.touch() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN NEW.date_updated := now(); RETURN NEW; END \$\$;
   CREATE TRIGGER touch BEFORE UPDATE ON $s.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION ${s}_other.touch()" >/dev/null
before=$(fingerprint "$s")
is "$(state "SELECT pk_migrate_v114_up('$s')")" "27000" "v114_up with a trigger that stamps date_updated: 27000"
is "$(fingerprint "$s")" "$before" "v114_up with a trigger that stamps date_updated: nothing changed"
done_testing
