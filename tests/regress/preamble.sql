\set ECHO none
CREATE EXTENSION IF NOT EXISTS phoenix_kit_mig;
-- The start of every file of the psql-level suite, its first command:
--   \i tests/regress/preamble.sql
-- pg_regress runs each file in a psql session of its own, so these settings are applied per
-- file. A file that needs other settings sets them in the lines right after the \i, where
-- they show in its expected output.
--
-- The first line keeps the rest of this file out of the expected output (pg_regress runs psql
-- with ECHO all); the last line turns echo back on. A file that follows one which leaves the
-- extension installed shows the NOTICE of CREATE EXTENSION IF NOT EXISTS as
-- "psql:tests/regress/preamble.sql:2: NOTICE: …": keep that statement on line 2.
SET client_min_messages = notice;
\set VERBOSITY default
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\pset null '<NULL>'
\i tests/fixtures/phoenix_kit_fixture.sql
\i tests/regress/helpers.sql
\set ECHO all
