-- docs/behaviour.md §11 (nothing silent): what a migration refuses before anything changes,
-- and what it verifies before the stamp; §5's dependent objects, §7 step 1's provider with
-- ':' and key length, and `pending` in pk_migration_status (§1). Every refused call shows its
-- SQLSTATE (:LAST_ERROR_SQLSTATE) and leaves the schema's fingerprint (tests/fingerprint.sql)
-- exactly as it was.
\i tests/regress/preamble.sql
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- pg_temp.ns(version): schema pk_ns rebuilt at `version` with two integration rows (composite
-- keys at 113, uuid keys at 114) and one endpoint pinned by name; returns the fingerprint.
CREATE FUNCTION pg_temp.ns(version int) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
  DROP SCHEMA IF EXISTS pk_ns CASCADE;
  PERFORM pg_temp.pk_fixture('pk_ns', version);
  IF version >= 114 THEN
    PERFORM pg_temp.pk_fixture_setting('pk_ns', pg_temp.row_uuid(1)::text, '{"provider":"openrouter","name":"work"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
    PERFORM pg_temp.pk_fixture_setting('pk_ns', pg_temp.row_uuid(2)::text, '{"provider":"google","name":"default"}', 'integrations', pg_temp.row_uuid(2), pg_temp.day(2));
  ELSE
    PERFORM pg_temp.pk_fixture_setting('pk_ns', 'integration:openrouter:work', '{}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
    PERFORM pg_temp.pk_fixture_setting('pk_ns', 'integration:google', NULL, NULL, pg_temp.row_uuid(2), pg_temp.day(2));
  END IF;
  PERFORM pg_temp.endpoint('pk_ns', 101, 'Chat', 'openrouter');
  RETURN pg_temp.pk_fingerprint('pk_ns');
END
$fn$;

-- §11.1 only ordinary tables of the named schema. A view in place of the settings table: 42809.
SELECT pg_temp.ns(113) AS fp \gset
CREATE FUNCTION pg_temp.keys() RETURNS TABLE (uuid uuid, key varchar, provider text, name text) LANGUAGE sql AS $fn$
  SELECT uuid, key, value_json ->> 'provider', value_json ->> 'name' FROM pk_ns.phoenix_kit_settings ORDER BY uuid
$fn$;
ALTER TABLE pk_ns.phoenix_kit_settings RENAME TO settings_data;
CREATE VIEW pk_ns.phoenix_kit_settings AS SELECT * FROM pk_ns.settings_data;
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('pk_ns', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;
SELECT jsonb_path_query(pk_migration_status('pk_ns'), '$.migrations.v114_up.blockers[*].sqlstate') AS status_blocker;

-- A partitioned settings table (its partition in another schema): 55000.
SELECT pg_temp.ns(113) AS fp \gset
CREATE TABLE pk_ns.settings_p (LIKE pk_ns.phoenix_kit_settings) PARTITION BY LIST (module);
DROP TABLE pk_ns.phoenix_kit_settings;
ALTER TABLE pk_ns.settings_p RENAME TO phoenix_kit_settings;
CREATE SCHEMA pk_ns_elsewhere;
CREATE TABLE pk_ns_elsewhere.part PARTITION OF pk_ns.phoenix_kit_settings DEFAULT;
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;
DROP SCHEMA pk_ns_elsewhere CASCADE;

-- A settings table with a child table in another schema (inheritance): 55000, for every
-- migration that reads it; the child's rows are untouched.
SELECT pg_temp.ns(113) AS fp \gset
CREATE SCHEMA pk_ns_child;
CREATE TABLE pk_ns_child.more () INHERITS (pk_ns.phoenix_kit_settings);
INSERT INTO pk_ns_child.more (key, value_json, module, uuid) VALUES ('integration:other:x', '{}', 'integrations', pg_temp.row_uuid(9));
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_up('pk_ns', force => true);
\echo :LAST_ERROR_SQLSTATE
SELECT key FROM pk_ns_child.more;
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;
DROP SCHEMA pk_ns_child CASCADE;

-- A rule on the settings table: 55000 naming it.
SELECT pg_temp.ns(113) AS fp \gset
CREATE RULE keep_keys AS ON UPDATE TO pk_ns.phoenix_kit_settings DO INSTEAD NOTHING;
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- A column of another type than PhoenixKit's (value_json as json): 55000 naming it, not
-- PostgreSQL's own error from deep inside the rewrite.
SELECT pg_temp.ns(113) AS fp \gset
ALTER TABLE pk_ns.phoenix_kit_settings ALTER COLUMN value_json TYPE json;
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- §11.2 row-level security. A role the policy applies to is refused (42501) and nothing
-- changes; the owner (table not FORCEd) and a BYPASSRLS role migrate every row.
SELECT pg_temp.ns(113) AS fp \gset
CREATE ROLE regress_pk_rls NOLOGIN;
CREATE ROLE regress_pk_bypass NOLOGIN BYPASSRLS;
GRANT USAGE ON SCHEMA pk_ns TO regress_pk_rls, regress_pk_bypass;
GRANT SELECT, UPDATE ON pk_ns.phoenix_kit_settings TO regress_pk_rls, regress_pk_bypass;
GRANT regress_pk_rls TO regress_pk_bypass;
ALTER TABLE pk_ns.phoenix_kit OWNER TO regress_pk_rls;
GRANT EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean), pk_migrate_v114_down(text, boolean, boolean) TO regress_pk_rls, regress_pk_bypass;
ALTER TABLE pk_ns.phoenix_kit_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_openrouter ON pk_ns.phoenix_kit_settings USING (key LIKE '%openrouter%');
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SET ROLE regress_pk_rls;
SELECT count(*) AS rows_the_role_sees FROM pk_ns.phoenix_kit_settings;
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('pk_ns', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT jsonb_path_query(pk_migration_status('pk_ns'), '$.migrations.v114_up.blockers[*].message') AS status_blocker;
RESET ROLE;
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;
SET ROLE regress_pk_bypass;
SELECT pk_migrate_v114_up('pk_ns') ->> 'rows_rewritten' AS rewritten_by_bypassrls;
RESET ROLE;
SELECT * FROM pg_temp.keys();
SELECT pg_temp.ns(113) AS fp \gset
ALTER TABLE pk_ns.phoenix_kit_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_openrouter ON pk_ns.phoenix_kit_settings USING (key LIKE '%openrouter%');
SELECT pk_migrate_v114_up('pk_ns') ->> 'rows_rewritten' AS rewritten_by_the_owner;
SELECT * FROM pg_temp.keys();

-- §11.7 privileges, checked before anything changes: 42501 naming table and privilege.
SELECT pg_temp.ns(113) AS fp \gset
GRANT USAGE ON SCHEMA pk_ns TO regress_pk_rls;
ALTER TABLE pk_ns.phoenix_kit OWNER TO regress_pk_rls;
GRANT SELECT ON pk_ns.phoenix_kit_settings TO regress_pk_rls;
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
REVOKE UPDATE ON pk_ns.phoenix_kit_settings FROM regress_pk_rls;
SET ROLE regress_pk_rls;
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT, UPDATE ON pk_ns.phoenix_kit_settings TO regress_pk_rls;
ALTER TABLE pk_ns.phoenix_kit OWNER TO CURRENT_USER;
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SET ROLE regress_pk_rls;
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- §11.3 verify. A trigger that keeps the old key: 27000 listing the rows; nothing changed.
SELECT pg_temp.ns(113) AS fp \gset
CREATE FUNCTION pk_ns.keep_key() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.key := OLD.key; RETURN NEW; END $$;
CREATE TRIGGER keep_key BEFORE UPDATE ON pk_ns.phoenix_kit_settings FOR EACH ROW WHEN (OLD.key LIKE '%google%') EXECUTE FUNCTION pk_ns.keep_key();
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('pk_ns', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- A trigger that skips a row (returns NULL): 27000.
SELECT pg_temp.ns(113) AS fp \gset
CREATE FUNCTION pk_ns.skip_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER skip_row BEFORE UPDATE ON pk_ns.phoenix_kit_settings FOR EACH ROW WHEN (OLD.key LIKE '%google%') EXECUTE FUNCTION pk_ns.skip_row();
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- An AFTER trigger that rewrites a provider after the statement: 27000 as well.
SELECT pg_temp.ns(113) AS fp \gset
CREATE FUNCTION public.pk_ns_meddle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pk_ns.phoenix_kit_settings SET value_json = value_json || '{"provider":"meddled"}' WHERE uuid = NEW.uuid AND value_json ->> 'provider' <> 'meddled';
  RETURN NULL;
END $$;
CREATE TRIGGER meddle AFTER UPDATE ON pk_ns.phoenix_kit_settings FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION public.pk_ns_meddle();
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- A deferred constraint trigger that would do the same at COMMIT leaves its events pending
-- after the verify step: 27000 again (SET CONSTRAINTS … IMMEDIATE first would fire it within the run).
SELECT pg_temp.ns(113) AS fp \gset
CREATE CONSTRAINT TRIGGER meddle_later AFTER UPDATE ON pk_ns.phoenix_kit_settings DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION public.pk_ns_meddle();
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- §11.3 verified means the whole row: a trigger that only stamps date_updated changes what
-- the plan showed, so the run is 27000 naming the rows, the column and the trigger.
SELECT pg_temp.ns(113) AS fp \gset
CREATE FUNCTION pk_ns.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.date_updated := '2030-01-01'; RETURN NEW; END $$;
CREATE TRIGGER touch BEFORE UPDATE ON pk_ns.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pk_ns.touch();
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;
-- Disabled for the transaction by its owner, as the HINT says, the run succeeds.
BEGIN;
ALTER TABLE pk_ns.phoenix_kit_settings DISABLE TRIGGER touch;
SELECT (pk_migrate_v114_up('pk_ns') ->> 'rows_rewritten')::int > 0 AS rewritten;
ALTER TABLE pk_ns.phoenix_kit_settings ENABLE TRIGGER touch;
COMMIT;

-- A trigger that strips a key from value_json, and one that upper-cases an endpoint's
-- provider: 27000, nothing changed.
SELECT pg_temp.ns(113) AS fp \gset
UPDATE pk_ns.phoenix_kit_settings SET value_json = COALESCE(value_json, '{}') || '{"api_key": "enc:v1:secret"}' WHERE key LIKE 'integration:%';
CREATE FUNCTION pk_ns.strip() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.value_json := NEW.value_json - 'api_key'; RETURN NEW; END $$;
CREATE TRIGGER strip BEFORE UPDATE ON pk_ns.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pk_ns.strip();
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_ns');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;
SELECT pg_temp.ns(106) AS fp \gset
CREATE FUNCTION pk_ns.upper_provider() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.provider := upper(NEW.provider); RETURN NEW; END $$;
CREATE TRIGGER upper_provider BEFORE UPDATE ON pk_ns.phoenix_kit_ai_endpoints FOR EACH ROW EXECUTE FUNCTION pk_ns.upper_provider();
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v107_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- An AFTER trigger that rewrites another, unplanned row of the same table: 27000.
SELECT pg_temp.ns(113) AS fp \gset
CREATE FUNCTION pk_ns.elsewhere() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE pk_ns.phoenix_kit_settings SET value = 'touched' WHERE key NOT LIKE 'integration:%' AND uuid::text <> key; RETURN NULL; END $$;
CREATE TRIGGER elsewhere AFTER UPDATE ON pk_ns.phoenix_kit_settings FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION pk_ns.elsewhere();
SELECT pg_temp.pk_fixture_setting('pk_ns', 'site_name', NULL, 'system', pg_temp.row_uuid(3), pg_temp.day(3)) IS NOT NULL AS added;
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_ns');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- §11.5 a trigger's own SQLSTATE, custom codes included, reaches the caller unchanged.
SELECT pg_temp.ns(113) AS fp \gset
CREATE FUNCTION pk_ns.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'settings are frozen' USING ERRCODE = 'PK001', DETAIL = 'by the app', HINT = 'unfreeze'; END $$;
CREATE TRIGGER refuse BEFORE UPDATE ON pk_ns.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pk_ns.refuse();
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('pk_ns', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- §11.4 no blocker left to a constraint. Two integration rows sharing a uuid (the primary key
-- dropped): 23505 from V114 up and down, listing them.
SELECT pg_temp.ns(113) AS fp \gset
ALTER TABLE pk_ns.phoenix_kit_settings DROP CONSTRAINT phoenix_kit_settings_pkey;
DROP INDEX pk_ns.phoenix_kit_settings_uuid_idx;
INSERT INTO pk_ns.phoenix_kit_settings (key, value_json, module, uuid) VALUES ('integration:openrouter:twin', '{}', 'integrations', pg_temp.row_uuid(1));
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_up('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;
SELECT pg_temp.ns(114) AS fp \gset
ALTER TABLE pk_ns.phoenix_kit_settings DROP CONSTRAINT phoenix_kit_settings_pkey;
DROP INDEX pk_ns.phoenix_kit_settings_uuid_idx;
DROP INDEX pk_ns.phoenix_kit_settings_key_uidx;
INSERT INTO pk_ns.phoenix_kit_settings (key, value_json, module, uuid) VALUES (pg_temp.row_uuid(1)::text, '{"provider":"openrouter","name":"twin"}', 'integrations', pg_temp.row_uuid(1));
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_down('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- A deferrable unique constraint on key: V114 down's collisions are refused by the pre-flight
-- (23505, the rows named), not left to surface at COMMIT as PostgreSQL's own error.
SELECT pg_temp.ns(114) AS fp \gset
DROP INDEX pk_ns.phoenix_kit_settings_key_uidx;
ALTER TABLE pk_ns.phoenix_kit_settings ADD CONSTRAINT settings_key_unique UNIQUE (key) DEFERRABLE INITIALLY DEFERRED;
INSERT INTO pk_ns.phoenix_kit_settings (key, value_json, module, uuid) VALUES ('integration:google:default-00000003', '{}', 'system', pg_temp.row_uuid(4));
INSERT INTO pk_ns.phoenix_kit_settings (key, value_json, module, uuid, date_added) VALUES (pg_temp.row_uuid(3)::text, '{"provider":"google","name":"default"}', 'integrations', pg_temp.row_uuid(3), pg_temp.day(3));
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_down('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- §7 step 1: a rebuilt key longer than the column, judged by its own length even where the
-- column would silently drop trailing spaces (22001); a provider with ':' (22023).
SELECT pg_temp.ns(114) AS fp \gset
ALTER TABLE pk_ns.phoenix_kit_settings ALTER COLUMN key TYPE varchar(40);
UPDATE pk_ns.phoenix_kit_settings SET value_json = '{"provider":"openrouter","name":"work                         "}' WHERE uuid = pg_temp.row_uuid(1);
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_down('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;
SELECT pg_temp.ns(114) AS fp \gset
UPDATE pk_ns.phoenix_kit_settings SET value_json = '{"provider":"other:thing","name":"n"}' WHERE uuid = pg_temp.row_uuid(1);
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v114_down('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- §11.6 helpers cannot be hijacked: a same-named function planted in the extension's schema
-- (writable by everyone here) is never called; the helpers live in a schema of their own.
SELECT pg_temp.ns(113) AS fp \gset
CREATE FUNCTION public.pk_v114_provider(key text, json_provider text) RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
CREATE FUNCTION public.pk_v114_provider(key varchar, json_provider varchar) RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
SELECT pk_migrate_v114_up('pk_ns') ->> 'rows_rewritten' AS rewritten;
SELECT * FROM pg_temp.keys();
DROP FUNCTION public.pk_v114_provider(text, text), public.pk_v114_provider(varchar, varchar);
SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE p.proname IN ('pk_v114_provider', 'pk_v114_name', 'pk_v114_composite_key', 'pk_named_key_provider',
                     'pk_timestamp_micros', 'pk_text_to_uuid', 'pk_integration_key_provider', 'pk_integration_key_name')
 ORDER BY 2;
SELECT has_schema_privilege('regress_pk_rls', 'phoenix_kit_mig_internal', 'CREATE') AS others_can_create_there;

-- §5: V107 down refuses (2BP01) for every object of the user's that depends on the column,
-- listing them all.
SELECT pg_temp.ns(107) AS fp \gset
UPDATE pk_ns.phoenix_kit_ai_endpoints SET integration_uuid = pg_temp.row_uuid(1);
CREATE VIEW pk_ns.pins AS SELECT uuid, integration_uuid FROM pk_ns.phoenix_kit_ai_endpoints;
ALTER TABLE pk_ns.phoenix_kit_ai_endpoints ADD CONSTRAINT pin_fk FOREIGN KEY (integration_uuid) REFERENCES pk_ns.phoenix_kit_settings (uuid);
CREATE INDEX my_pin_index ON pk_ns.phoenix_kit_ai_endpoints (integration_uuid, name);
CREATE STATISTICS pk_ns.pin_stats ON integration_uuid, provider FROM pk_ns.phoenix_kit_ai_endpoints;
ALTER TABLE pk_ns.phoenix_kit_ai_endpoints ADD CONSTRAINT pin_check CHECK (integration_uuid IS NOT NULL OR provider <> '');
CREATE POLICY pinned ON pk_ns.phoenix_kit_ai_endpoints USING (integration_uuid IS NOT NULL);
SELECT pg_temp.pk_fingerprint('pk_ns') AS fp \gset
SELECT pk_migrate_v107_down('pk_ns');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_ns') = :'fp' AS unchanged;

-- §1 pending: at 114 nothing is left for V114 up, until an old application node writes a
-- composite key again.
SELECT pg_temp.ns(114) AS fp \gset
SELECT m.key AS migration, m.value -> 'pending' AS pending
  FROM jsonb_each(pk_migration_status('pk_ns') -> 'migrations') m ORDER BY 1;
SELECT pg_temp.pk_fixture_setting('pk_ns', 'integration:openai:late', '{}', 'integrations', pg_temp.row_uuid(5)) IS NOT NULL AS late_row;
SELECT pk_migration_status('pk_ns') -> 'migrations' -> 'v114_up' -> 'pending' AS v114_up_pending;

DROP SCHEMA pk_ns CASCADE;
DROP FUNCTION public.pk_ns_meddle();
REVOKE ALL ON FUNCTION pk_migrate_v114_up(text, boolean, boolean), pk_migrate_v114_down(text, boolean, boolean) FROM regress_pk_rls, regress_pk_bypass;
DROP ROLE regress_pk_bypass;
DROP ROLE regress_pk_rls;
