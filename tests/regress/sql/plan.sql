-- docs/behaviour.md §12: pk_migration_plan, what an operator sees for each action
-- (rewrite, pin, leave_unpinned, unpin, blocked, ddl, stamp), a blocked plan, its errors, that
-- it is read-only (READ ONLY transaction, no lock above ACCESS SHARE), and that it cannot
-- disagree with the migration: for all four, every row the migration changes is in the plan
-- with exactly its end values in `after`, and no other row changes.
\i tests/regress/preamble.sql
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- pg_temp.agree(schema, table, migration): takes the plan, runs the migration (force), and
-- compares every row of the table before and after (as jsonb, by uuid):
--   planned    rows of the plan for that table (rewrite, pin, leave_unpinned, unpin)
--   changed    rows whose values changed
--   unplanned  changed rows that are not in the plan (must be 0)
--   wrong_end  planned rows whose end values differ from `after`, or that changed a column
--              `before`/`after` do not name (must be 0)
-- A column that appears or disappears (V107) counts as JSON null where it is absent.
CREATE FUNCTION pg_temp.agree(schema text, t text, migration text,
                              OUT planned bigint, OUT changed bigint, OUT unplanned bigint, OUT wrong_end bigint)
LANGUAGE plpgsql AS $fn$
BEGIN
  DROP TABLE IF EXISTS pg_temp.the_plan, pg_temp.before_rows, pg_temp.after_rows;
  CREATE TEMP TABLE the_plan AS
    SELECT * FROM pk_migration_plan(migration, schema) p
     WHERE p.relation = t AND p.action IN ('rewrite', 'pin', 'leave_unpinned', 'unpin');
  EXECUTE format('CREATE TEMP TABLE before_rows AS SELECT r.uuid, to_jsonb(r) AS row FROM %I.%I r', schema, t);
  EXECUTE format('SELECT pk_migrate_%s(%L, force => true)', migration, schema);
  EXECUTE format('CREATE TEMP TABLE after_rows AS SELECT r.uuid, to_jsonb(r) AS row FROM %I.%I r', schema, t);
  WITH diff AS (
    SELECT b.uuid, a.row AS after_row,
           ARRAY(SELECT k FROM (SELECT jsonb_object_keys(b.row) UNION SELECT jsonb_object_keys(a.row)) keys(k)
                  WHERE COALESCE(b.row -> k, 'null') IS DISTINCT FROM COALESCE(a.row -> k, 'null')) AS changed_keys
      FROM pg_temp.before_rows b FULL JOIN pg_temp.after_rows a USING (uuid)
  )
  SELECT (SELECT count(*) FROM pg_temp.the_plan),
         count(*) FILTER (WHERE cardinality(d.changed_keys) > 0),
         count(*) FILTER (WHERE cardinality(d.changed_keys) > 0 AND p.row_uuid IS NULL),
         count(*) FILTER (WHERE p.row_uuid IS NOT NULL AND (
             EXISTS (SELECT 1 FROM jsonb_each(COALESCE(p.after, '{}')) e(k, v) WHERE COALESCE(d.after_row -> e.k, 'null') IS DISTINCT FROM e.v)
             OR EXISTS (SELECT 1 FROM unnest(d.changed_keys) c(k)
                         WHERE NOT (COALESCE(p.after, '{}') ? c.k OR COALESCE(p.before, '{}') ? c.k))))
    INTO planned, changed, unplanned, wrong_end
    FROM diff d LEFT JOIN pg_temp.the_plan p ON p.row_uuid = d.uuid;
END
$fn$;

-- Data with every rule and action: the fixture's sample (openrouter work/personal/primary,
-- google default and the legacy google row, openai default and team:eu, telegram) and
-- endpoints for each V107 rule, plus rows for each V114 repair and each down suffix.
SELECT pg_temp.pk_fixture('pk_plan', 106);
SELECT pg_temp.pk_fixture_sample('pk_plan');
SELECT pg_temp.endpoint('pk_plan', 201, 'No match', 'openrouter:gone');
SELECT pg_temp.endpoint('pk_plan', 202, 'Empty', '');
SELECT pg_temp.endpoint('pk_plan', 203, 'Unknown uuid', pg_temp.row_uuid(999)::text);
SELECT pg_temp.endpoint('pk_plan', 204, 'Cased', 'OpenRouter');

-- V107 up: every endpoint with the rule that decides it, the guesses with their reasons.
SELECT action, e.name, after ->> 'integration_uuid' AS integration, reason
  FROM pk_migration_plan('v107_up', 'pk_plan') p LEFT JOIN pk_plan.phoenix_kit_ai_endpoints e ON e.uuid = p.row_uuid
 ORDER BY action, e.name, reason;
SELECT * FROM pg_temp.agree('pk_plan', 'phoenix_kit_ai_endpoints', 'v107_up');
SELECT action, count(*) AS plan_rows_left FROM pk_migration_plan('v107_up', 'pk_plan') GROUP BY action ORDER BY action;

-- V114 up: every integration row, which fields are filled or repaired.
SELECT pg_temp.set_version('pk_plan', '113');
SELECT pg_temp.pk_fixture_setting('pk_plan', 'integration:slack:ops', 'null', 'other', pg_temp.row_uuid(31), pg_temp.day(31));
SELECT action, before ->> 'key' AS key_before, (after ->> 'key') = row_uuid::text AS key_is_uuid,
       after ? 'value_json' AS value_json_changes, after ->> 'module' AS module_after, reason
  FROM pk_migration_plan('v114_up', 'pk_plan') ORDER BY action, key_before;
SELECT * FROM pg_temp.agree('pk_plan', 'phoenix_kit_settings', 'v114_up');
SELECT count(*) AS plan_rows_left FROM pk_migration_plan('v114_up', 'pk_plan');  -- nothing left, not even the stamp

-- V114 down: composite keys back, suffixes with why.
SELECT pg_temp.pk_fixture_setting('pk_plan', pg_temp.row_uuid(32)::text, '{"provider":"google","name":"default"}', 'integrations', pg_temp.row_uuid(32), pg_temp.day(32));
SELECT pg_temp.pk_fixture_setting('pk_plan', 'integration:held:x', '{}', 'system', pg_temp.row_uuid(33), pg_temp.day(33));
SELECT pg_temp.pk_fixture_setting('pk_plan', pg_temp.row_uuid(34)::text, '{"provider":"held","name":"x"}', 'integrations', pg_temp.row_uuid(34), pg_temp.day(34));
SELECT action, after ->> 'key' AS key_after, reason
  FROM pk_migration_plan('v114_down', 'pk_plan') ORDER BY action, key_after;
SELECT * FROM pg_temp.agree('pk_plan', 'phoenix_kit_settings', 'v114_down');

-- V107 down: each pin discarded, the DDL, the stamp.
SELECT pg_temp.set_version('pk_plan', '107');
SELECT action, before IS NOT NULL AS has_before, after, left(reason, 60) AS reason
  FROM pk_migration_plan('v107_down', 'pk_plan') ORDER BY action, reason LIMIT 4;
SELECT action, reason FROM pk_migration_plan('v107_down', 'pk_plan') WHERE action IN ('ddl', 'stamp') ORDER BY action, reason;
SELECT * FROM pg_temp.agree('pk_plan', 'phoenix_kit_ai_endpoints', 'v107_down');

-- A blocked plan: data problems are rows, never errors.
SELECT pg_temp.pk_fixture('pk_plan_b', 113);
SELECT pg_temp.pk_fixture_setting('pk_plan_b', 'integration:a:x', '[1]', 'integrations', pg_temp.row_uuid(1));
SELECT pg_temp.pk_fixture_setting('pk_plan_b', 'integration:', NULL, 'integrations', pg_temp.row_uuid(2));
SELECT pg_temp.pk_fixture_setting('pk_plan_b', 'integration:b:y', '{"provider": 5}', 'integrations', pg_temp.row_uuid(3));
SELECT pg_temp.pk_fixture_setting('pk_plan_b', 'integration:c:z', '{}', 'integrations', pg_temp.row_uuid(4));
SELECT pg_temp.pk_fixture_setting('pk_plan_b', pg_temp.row_uuid(4)::text, '{}', 'system', pg_temp.row_uuid(5));
SELECT pg_temp.pk_fixture_setting('pk_plan_b', 'integration:ok:fine', '{}', 'integrations', pg_temp.row_uuid(6));
SELECT row_uuid, action, reason FROM pk_migration_plan('v114_up', 'pk_plan_b') ORDER BY action, row_uuid;
DROP INDEX pk_plan_b.phoenix_kit_ai_endpoints_name_index;
SELECT pg_temp.endpoint('pk_plan_b', 101, 'Chat', 'ok');
SELECT pg_temp.endpoint('pk_plan_b', 102, 'CHAT', 'ok');
SELECT row_uuid, action, reason FROM pk_migration_plan('v107_up', 'pk_plan_b') WHERE action = 'blocked' ORDER BY row_uuid;
-- A table the migration refuses, and a role row-level security applies to: blocked rows with
-- the SQLSTATE and message the migration would raise.
ALTER TABLE pk_plan_b.phoenix_kit_settings RENAME TO settings_data;
CREATE VIEW pk_plan_b.phoenix_kit_settings AS SELECT * FROM pk_plan_b.settings_data;
SELECT relation, action, reason FROM pk_migration_plan('v114_up', 'pk_plan_b');
DROP VIEW pk_plan_b.phoenix_kit_settings;
ALTER TABLE pk_plan_b.settings_data RENAME TO phoenix_kit_settings;
CREATE ROLE regress_pk_plan_rls;
GRANT USAGE ON SCHEMA pk_plan_b TO regress_pk_plan_rls;
GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA pk_plan_b TO regress_pk_plan_rls;
ALTER TABLE pk_plan_b.phoenix_kit OWNER TO regress_pk_plan_rls;
ALTER TABLE pk_plan_b.phoenix_kit_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_ok ON pk_plan_b.phoenix_kit_settings USING (key LIKE '%ok%');
SET ROLE regress_pk_plan_rls;
SELECT relation, action, reason FROM pk_migration_plan('v114_up', 'pk_plan_b') WHERE row_uuid IS NULL ORDER BY action;
RESET ROLE;
ALTER TABLE pk_plan_b.phoenix_kit OWNER TO CURRENT_USER;
ALTER TABLE pk_plan_b.phoenix_kit_settings DISABLE ROW LEVEL SECURITY;
DROP OWNED BY regress_pk_plan_rls;
DROP ROLE regress_pk_plan_rls;

-- Errors: an unknown migration (22023), NULL arguments (22004), a missing schema (3F000) or
-- table (42P01).
SELECT * FROM pk_migration_plan('v115_up');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pk_migration_plan(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pk_migration_plan('v114_up', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pk_migration_plan('v114_up', 'no_such_schema');
\echo :LAST_ERROR_SQLSTATE

-- Read-only: in a READ ONLY transaction, holding nothing above ACCESS SHARE.
BEGIN READ ONLY;
SELECT count(*) AS rows FROM pk_migration_plan('v114_up', 'pk_plan_b');
SELECT DISTINCT mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'
   AND relation IN ('pk_plan_b.phoenix_kit_settings'::regclass, 'pk_plan_b.phoenix_kit'::regclass);
SELECT pg_current_xact_id_if_assigned() IS NULL AS no_transaction_id;
COMMIT;
DROP TABLE pk_plan_b.phoenix_kit_ai_endpoints;
SELECT * FROM pk_migration_plan('v107_up', 'pk_plan_b');
\echo :LAST_ERROR_SQLSTATE

DROP SCHEMA pk_plan CASCADE;
DROP SCHEMA pk_plan_b CASCADE;
