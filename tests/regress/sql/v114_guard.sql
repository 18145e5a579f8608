-- docs/behaviour.md §2 (version guard and stamp) for V114 in every direction: up runs from 113 or
-- 114 and stamps 114, down runs from 114 or 113 and stamps 113; otherwise 55000 with the
-- current and required versions and a HINT about force => true. No comment = version 1;
-- a comment that is not an integer = 22P02. force skips the guard but never lowers the
-- stamp. V114 before V107 is refused with the reason.
\i tests/regress/preamble.sql

-- pg_temp.reset(version): an install with one composite row (uuid 1) and one uuid-keyed
-- row (uuid 2), so that both directions have work to do, and the version comment set to
-- `version` (NULL: no comment).
CREATE FUNCTION pg_temp.reset(version text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_temp.pk_fixture('pk_guard', 113);
  PERFORM pg_temp.pk_fixture_setting('pk_guard', 'integration:google:x', '{}', 'integrations',
                                     pg_temp.row_uuid(1), pg_temp.day(1));
  PERFORM pg_temp.pk_fixture_setting('pk_guard', pg_temp.row_uuid(2)::text, '{"provider": "p", "name": "n"}',
                                     'integrations', pg_temp.row_uuid(2), pg_temp.day(2));
  PERFORM pg_temp.set_version('pk_guard', version);
END
$fn$;
-- What a run did: the keys of rows 1 and 2 and the recorded version.
CREATE FUNCTION pg_temp.state(OUT key1 text, OUT key2 text, OUT version text) LANGUAGE plpgsql AS $fn$
BEGIN
  SELECT s.key INTO key1 FROM pk_guard.phoenix_kit_settings s WHERE s.uuid = pg_temp.row_uuid(1);
  SELECT s.key INTO key2 FROM pk_guard.phoenix_kit_settings s WHERE s.uuid = pg_temp.row_uuid(2);
  version := pg_temp.version('pk_guard');
END
$fn$;
-- The part of a report that the guard decides.
CREATE FUNCTION pg_temp.brief(r jsonb) RETURNS TABLE (migration text, version_before int, version_after int, rows_rewritten int)
LANGUAGE sql AS $fn$
  SELECT r ->> 'migration', (r ->> 'version_before')::int, (r ->> 'version_after')::int, (r ->> 'rows_rewritten')::int
$fn$;

---------------------------------------------------------------------------------------
-- V114 up.
-- From 112: refused.
SELECT pg_temp.reset('112');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
-- From 113: runs, stamps 114.
SELECT pg_temp.reset('113');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
-- From 114: a safe re-run, the stamp stays.
SELECT pg_temp.reset('114');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
-- From 115: refused (already past V114).
SELECT pg_temp.reset('115');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
-- From 106: V107 has not run; the DETAIL says why the order matters.
SELECT pg_temp.reset('106');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
-- No comment at all: version 1.
SELECT pg_temp.reset(NULL);
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();

---------------------------------------------------------------------------------------
-- V114 down.
-- From 112: refused (V114 is not applied).
SELECT pg_temp.reset('112');
SELECT b.* FROM pk_migrate_v114_down('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
-- From 113: a safe re-run, the stamp stays 113.
SELECT pg_temp.reset('113');
SELECT b.* FROM pk_migrate_v114_down('pk_guard') r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
-- From 114: runs, stamps 113.
SELECT pg_temp.reset('114');
SELECT b.* FROM pk_migrate_v114_down('pk_guard') r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
-- From 115: refused (later migrations must be rolled back first).
SELECT pg_temp.reset('115');
SELECT b.* FROM pk_migrate_v114_down('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
-- No comment: version 1.
SELECT pg_temp.reset(NULL);
SELECT b.* FROM pk_migrate_v114_down('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();

---------------------------------------------------------------------------------------
-- A comment that is not an integer: 22P02 naming it, in both directions, force or not.
SELECT pg_temp.reset('113b');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT b.* FROM pk_migrate_v114_up('pk_guard', force => true) r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT b.* FROM pk_migrate_v114_down('pk_guard', force => true) r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset('V113');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.reset('113.0');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
\echo :LAST_ERROR_SQLSTATE
-- Blanks around the number are tolerated.
SELECT pg_temp.reset(' 113 ');
SELECT b.* FROM pk_migrate_v114_up('pk_guard') r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();

---------------------------------------------------------------------------------------
-- force => true skips the guard; an up writes 114 only when below 114, a down writes 113
-- only when at 114.
-- up from 120: runs, the stamp stays 120.
SELECT pg_temp.reset('120');
SELECT b.* FROM pk_migrate_v114_up('pk_guard', force => true) r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
-- up from 112 and from no comment (1): runs, stamps 114.
SELECT pg_temp.reset('112');
SELECT b.* FROM pk_migrate_v114_up('pk_guard', force => true) r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
SELECT pg_temp.reset(NULL);
SELECT b.* FROM pk_migrate_v114_up('pk_guard', force => true) r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
-- down from 115: runs, the stamp stays 115.
SELECT pg_temp.reset('115');
SELECT b.* FROM pk_migrate_v114_down('pk_guard', force => true) r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
-- down from 112: runs, the stamp stays 112.
SELECT pg_temp.reset('112');
SELECT b.* FROM pk_migrate_v114_down('pk_guard', force => true) r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();
-- down from 114 with force: the ordinary step back to 113.
SELECT pg_temp.reset('114');
SELECT b.* FROM pk_migrate_v114_down('pk_guard', force => true) r, pg_temp.brief(r) b;
SELECT * FROM pg_temp.state();

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_guard CASCADE;
DROP EXTENSION phoenix_kit_mig;
