-- docs/behaviour.md §4 step 1 (V107 up pre-flight: duplicate names, a same-named index of another
-- shape), §1 (SQL surface of the V107 functions, NULL arguments, missing schema or table,
-- "Messages") and §2 (the version guard and stamp for V107 up and down, force never
-- lowering). Every refused call leaves the database exactly as it was (§1).
\i tests/regress/preamble.sql

-- pg_temp.reset(shape, version): schema pk_v107err as the fixture builds it at `shape`
-- (106: no V107 column or index; 107: with them), one integration row (uuid 1) and one
-- endpoint using it (uuid 101), and the version comment set to `version` (NULL: none).
CREATE FUNCTION pg_temp.reset(shape int, version text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_temp.pk_fixture('pk_v107err', shape);
  PERFORM pg_temp.pk_fixture_setting('pk_v107err', 'integration:openrouter:work', '{}', 'integrations',
                                     pg_temp.row_uuid(1), pg_temp.day(1));
  PERFORM pg_temp.endpoint('pk_v107err', 101, 'Chat', 'openrouter');
  PERFORM pg_temp.set_version('pk_v107err', version);
END
$fn$;
-- What a run did: is the column there, the endpoint's pin, the V107 indexes, the version.
CREATE FUNCTION pg_temp.state(OUT has_column boolean, OUT pin uuid, OUT v107_indexes bigint, OUT version text)
LANGUAGE plpgsql AS $fn$
BEGIN
  has_column := EXISTS (SELECT 1 FROM pg_temp.endpoint_shape('pk_v107err') s WHERE s.object = 'column integration_uuid');
  SELECT e.integration_uuid INTO pin FROM pg_temp.endpoints('pk_v107err') e WHERE e.uuid = pg_temp.row_uuid(101);
  SELECT count(*) INTO v107_indexes FROM pg_temp.endpoint_shape('pk_v107err') s
   WHERE s.object IN ('index phoenix_kit_ai_endpoints_name_index', 'index phoenix_kit_ai_endpoints_integration_uuid_index');
  version := pg_temp.version('pk_v107err');
END
$fn$;

---------------------------------------------------------------------------------------
-- 1. Endpoints whose names differ only by case (23505): every group is listed with the
--    shared lower name, each endpoint's uuid and name; names unique ignoring case are not.
--    Nothing changes (no column, no index, no pin, version 106).
SELECT pg_temp.reset(106, '106');
SELECT pg_temp.endpoint('pk_v107err', v.n, v.name, 'openrouter')
  FROM (VALUES (102, 'chat'), (103, 'CHAT'), (104, 'Images'), (105, 'images'), (106, 'Unique'),
               (107, 'Chat bot')) AS v(n, name)
 ORDER BY v.n;
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_v107err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;
SELECT * FROM pg_temp.endpoints('pk_v107err');
SELECT * FROM pg_temp.state();

-- More than 50 groups: DETAIL lists 50, then "and N more".
SELECT pg_temp.reset(106, '106');
SELECT count(pg_temp.endpoint('pk_v107err', 200 + 2 * i, 'Bot ' || lpad(i::text, 2, '0'), 'openrouter'))
     + count(pg_temp.endpoint('pk_v107err', 201 + 2 * i, 'BOT ' || lpad(i::text, 2, '0'), 'openrouter')) AS endpoints
  FROM generate_series(1, 53) AS i;
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_v107err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;

---------------------------------------------------------------------------------------
-- 2. An existing relation named phoenix_kit_ai_endpoints_name_index that is not a unique
--    index on lower(name) of the endpoints (55000): the DETAIL shows what it is. Upstream
--    kept it silently and the case-insensitive uniqueness was never enforced.
-- 2a. a plain unique index on name (the Ecto default name for unique_index([:name]))
SELECT pg_temp.reset(106, '106');
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON pk_v107err.phoenix_kit_ai_endpoints (name);
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_v107err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;
SELECT * FROM pg_temp.state();
-- 2b. a non-unique index on lower(name)
SELECT pg_temp.reset(106, '106');
CREATE INDEX phoenix_kit_ai_endpoints_name_index ON pk_v107err.phoenix_kit_ai_endpoints (lower(name));
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_v107err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;
-- 2c. a partial unique index on lower(name)
SELECT pg_temp.reset(106, '106');
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON pk_v107err.phoenix_kit_ai_endpoints (lower(name)) WHERE enabled;
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_v107err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;
-- 2d. a unique index on lower(name) with a second column
SELECT pg_temp.reset(106, '106');
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON pk_v107err.phoenix_kit_ai_endpoints (lower(name), provider);
SELECT pk_migrate_v107_up('pk_v107err');
\echo :LAST_ERROR_SQLSTATE
-- 2e. a unique index of that name on another table of the schema
SELECT pg_temp.reset(106, '106');
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON pk_v107err.phoenix_kit_settings (lower(key));
SELECT pk_migrate_v107_up('pk_v107err');
\echo :LAST_ERROR_SQLSTATE
-- 2f. not an index at all
SELECT pg_temp.reset(106, '106');
CREATE TABLE pk_v107err.phoenix_kit_ai_endpoints_name_index (id int);
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT pk_migrate_v107_up('pk_v107err');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;
DROP TABLE pk_v107err.phoenix_kit_ai_endpoints_name_index;
-- 2g. the right shape (unique, lower(name), whole table) is kept as it is: same index, only
--     the integration_uuid index is created.
SELECT pg_temp.reset(106, '106');
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON pk_v107err.phoenix_kit_ai_endpoints (lower(name::text));
SELECT 'pk_v107err.phoenix_kit_ai_endpoints_name_index'::regclass::oid AS name_index_oid \gset
SELECT b.* FROM pk_migrate_v107_up('pk_v107err') r, pg_temp.report_brief(r) b;
SELECT 'pk_v107err.phoenix_kit_ai_endpoints_name_index'::regclass::oid = :name_index_oid AS same_index;
SELECT * FROM pg_temp.endpoint_shape('pk_v107err');
SELECT * FROM pg_temp.state();
-- 2h. The right definition but INVALID, as a CREATE UNIQUE INDEX CONCURRENTLY that failed on
--     duplicate names leaves it: it enforces nothing (names differing only by case can still
--     be inserted), so V107 up refuses it like any other shape (55000, docs/behaviour.md §4 step 1 and
--     §10 "the unique guarantee would be missing"); nothing changed.
SELECT pg_temp.reset(106, '106');
SELECT pg_temp.endpoint('pk_v107err', 102, 'CHAT', 'openrouter');
CREATE UNIQUE INDEX CONCURRENTLY phoenix_kit_ai_endpoints_name_index ON pk_v107err.phoenix_kit_ai_endpoints (lower(name));
\echo :LAST_ERROR_SQLSTATE
UPDATE pk_v107err.phoenix_kit_ai_endpoints SET name = 'Chat 2' WHERE uuid = pg_temp.row_uuid(102);
SELECT indisunique, indisvalid, indisready
  FROM pg_index WHERE indexrelid = 'pk_v107err.phoenix_kit_ai_endpoints_name_index'::regclass;
SELECT b.* FROM pk_migrate_v107_up('pk_v107err') r, pg_temp.report_brief(r) b;
SELECT indisunique, indisvalid, indisready
  FROM pg_index WHERE indexrelid = 'pk_v107err.phoenix_kit_ai_endpoints_name_index'::regclass;
SELECT pg_temp.endpoint('pk_v107err', 103, 'CHAT 2', 'openrouter');
SELECT name FROM pg_temp.endpoints('pk_v107err');
-- 2i. An existing phoenix_kit_ai_endpoints_integration_uuid_index of another shape is kept
--     as it is: §4 step 4 creates each index "if missing" and checks only the name index.
--     integration_uuid is then left without an index of its own: a WARNING says so.
SELECT pg_temp.reset(106, '106');
CREATE INDEX phoenix_kit_ai_endpoints_integration_uuid_index ON pk_v107err.phoenix_kit_ai_endpoints (provider);
SELECT b.* FROM pk_migrate_v107_up('pk_v107err') r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.endpoint_shape('pk_v107err') WHERE object LIKE '%integration_uuid%';

---------------------------------------------------------------------------------------
-- 3. An integration_uuid column of another type (55000), and several blockers at once:
--    the first is raised and its HINT counts the others (pk_migration_status lists them).
SELECT pg_temp.reset(106, '106');
ALTER TABLE pk_v107err.phoenix_kit_ai_endpoints ADD COLUMN integration_uuid text;
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT pk_migrate_v107_up('pk_v107err');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;
CREATE INDEX phoenix_kit_ai_endpoints_name_index ON pk_v107err.phoenix_kit_ai_endpoints (lower(name));
SELECT pg_temp.endpoint('pk_v107err', 102, 'CHAT', 'openrouter');
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT pk_migrate_v107_up('pk_v107err');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;

---------------------------------------------------------------------------------------
-- 4. SQL surface (§1): signatures and defaults, VOLATILE, PARALLEL UNSAFE, SECURITY
--    INVOKER, search_path set on the function, EXECUTE revoked from PUBLIC.
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments, pg_get_function_result(p.oid) AS result
  FROM pg_proc p
 WHERE p.proname IN ('pk_migrate_v107_up', 'pk_migrate_v107_down')
 ORDER BY p.proname;
SELECT p.proname, p.provolatile, p.proparallel, p.prosecdef, p.proisstrict, p.proconfig,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
  FROM pg_proc p
 WHERE p.proname IN ('pk_migrate_v107_up', 'pk_migrate_v107_down')
 ORDER BY p.proname;

-- NULL for any argument (22004), never a silent NULL result; nothing changed.
SELECT pg_temp.reset(106, '106');
SELECT pg_temp.fingerprint_all('pk_v107err') AS fp \gset
SELECT pk_migrate_v107_up(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_up('pk_v107err', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_up('pk_v107err', false, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_down(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_down('pk_v107err', dry_run => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_down('pk_v107err', force => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;

-- A schema that does not exist (3F000, named; the prefix is never interpolated).
SELECT pk_migrate_v107_up('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_down('pk_v107err; DROP TABLE pk_v107err.phoenix_kit --');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_v107err') = :'fp' AS unchanged;

-- A missing table (42P01, schema-qualified).
CREATE SCHEMA pk_half;
SELECT pk_migrate_v107_up('pk_half');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE pk_half.phoenix_kit (id int);
COMMENT ON TABLE pk_half.phoenix_kit IS '106';
SELECT pk_migrate_v107_up('pk_half');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_down('pk_half');
\echo :LAST_ERROR_SQLSTATE
-- With the endpoints but no settings table: up needs the settings (it reads them), down
-- does not (it only drops V107's objects from the endpoints).
CREATE TABLE pk_half.phoenix_kit_ai_endpoints (LIKE pk_v107err.phoenix_kit_ai_endpoints);
SELECT pk_migrate_v107_up('pk_half');
\echo :LAST_ERROR_SQLSTATE
SELECT b.* FROM pk_migrate_v107_down('pk_half') r, pg_temp.report_brief(r) b;
SELECT pg_temp.version('pk_half') AS version;

---------------------------------------------------------------------------------------
-- 5. The version guard (§2). V107 up runs from 106 (stamps 107) or 107 (safe re-run, no
--    stamp); from anything else 55000 naming the current and required versions, with a
--    HINT about force => true, and nothing changed.
SELECT pg_temp.reset(106, '105');
SELECT b.* FROM pk_migrate_v107_up('pk_v107err') r, pg_temp.report_brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(106, '106');
SELECT b.* FROM pk_migrate_v107_up('pk_v107err') r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(107, '107');
SELECT b.* FROM pk_migrate_v107_up('pk_v107err') r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(107, '108');
SELECT b.* FROM pk_migrate_v107_up('pk_v107err') r, pg_temp.report_brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
-- No comment: version 1. A comment that is not an integer: 22P02 naming it, force or not.
SELECT pg_temp.reset(106, NULL);
SELECT b.* FROM pk_migrate_v107_up('pk_v107err') r, pg_temp.report_brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.reset(106, '106a');
SELECT b.* FROM pk_migrate_v107_up('pk_v107err', force => true) r, pg_temp.report_brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT b.* FROM pk_migrate_v107_down('pk_v107err', force => true) r, pg_temp.report_brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();

-- V107 down runs from 107 (stamps 106) or 106 (safe re-run, no stamp); otherwise 55000.
SELECT pg_temp.reset(107, '105');
SELECT b.* FROM pk_migrate_v107_down('pk_v107err') r, pg_temp.report_brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(107, '106');
SELECT b.* FROM pk_migrate_v107_down('pk_v107err') r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(107, '107');
SELECT b.* FROM pk_migrate_v107_down('pk_v107err') r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(107, '108');
SELECT b.* FROM pk_migrate_v107_down('pk_v107err') r, pg_temp.report_brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();

-- force => true skips the guard, but an up writes 107 only below 107 and a down writes 106
-- only at 107: the stamp is never lowered.
SELECT pg_temp.reset(106, '108');
SELECT b.* FROM pk_migrate_v107_up('pk_v107err', force => true) r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(106, '114');
SELECT b.* FROM pk_migrate_v107_up('pk_v107err', force => true) r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(106, '105');
SELECT b.* FROM pk_migrate_v107_up('pk_v107err', force => true) r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(107, '108');
SELECT b.* FROM pk_migrate_v107_down('pk_v107err', force => true) r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(107, '105');
SELECT b.* FROM pk_migrate_v107_down('pk_v107err', force => true) r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(107, '107');
SELECT b.* FROM pk_migrate_v107_down('pk_v107err', force => true) r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.state();

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_v107err CASCADE;
DROP SCHEMA pk_half CASCADE;
DROP EXTENSION phoenix_kit_mig;
