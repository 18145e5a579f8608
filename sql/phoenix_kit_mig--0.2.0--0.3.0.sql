-- phoenix_kit_mig 0.2.0 -> 0.3.0 (ALTER EXTENSION phoenix_kit_mig UPDATE TO '0.3.0').
--
-- After this script a database updated from 0.2.0 (or from 0.1.0, through
-- phoenix_kit_mig--0.1.0--0.2.0.sql and then this one) holds exactly what a fresh CREATE
-- EXTENSION at 0.3.0 holds (tests/reliability/10_upgrade.t compares both catalogs, from every
-- released version, on every major), and the grants an operator made on the migration
-- functions survive: those functions are not replaced.
--
-- What changed in the SQL surface: one new function, pk_migration_script (below). Apart from
-- it, when this file was first written (after commit 54a4f0d, Cargo.toml at 0.3.0, with the
-- src/ work in progress of that time) the install
-- script of `cargo pgrx schema pg15` held the same objects as the released 0.2.0 one
-- (sql/phoenix_kit_mig--0.2.0.sql), compared block by block without the `-- src/…:NN`
-- location comments and regardless of order: the same 17 functions (same signatures,
-- attributes and C symbols), the two aggregates, the internal schema and its grant, the
-- comments, and the REVOKEs and SET options of sql/finalize.sql. The 0.3.0 library serves
-- the 0.2.0 functions as they are.
--
-- When the surface changes (e.g. pk_migration_script, new in 0.3.0), write the change below,
-- in its section, from the 0.3.0 install script of `cargo pgrx schema pg15` (drop the
-- `-- src/…:NN` lines), so that the generic comparison of 10_upgrade.t passes:
--   - a new function: its CREATE FUNCTION, its COMMENT, and what sql/finalize.sql does to it
--     (REVOKE EXECUTE … FROM PUBLIC, ALTER FUNCTION … SET …), since finalize only runs at
--     CREATE EXTENSION;
--   - a changed body, volatility, strictness, SET option or comment: CREATE OR REPLACE
--     FUNCTION (keeps the grants), ALTER FUNCTION, COMMENT ON;
--   - a changed signature or return type: DROP FUNCTION + CREATE FUNCTION, then the REVOKE
--     again; grants made on the old function are lost, so carry them over from its ACL first;
--   - a removed function: DROP FUNCTION (a member of the extension is dropped with it).
-- The C symbols named by functions this script does not replace must still exist in the 0.3.0
-- library, or calls to them fail once the library is replaced.

\echo Use "ALTER EXTENSION phoenix_kit_mig UPDATE TO '0.3.0'" to load this file. \quit

-- Changed objects (CREATE OR REPLACE, ALTER FUNCTION, COMMENT ON): none.

-- New objects.

-- src/script.rs: the migration as a guarded SQL script for a database without the extension.
CREATE  FUNCTION "pk_migration_script"(
	"migration" TEXT, /* Option < & str > */
	"prefix" TEXT DEFAULT 'public' /* Option < & str > */
) RETURNS TEXT /* Result < String, ErrorReport > */
VOLATILE SECURITY INVOKER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_migration_script_wrapper';

-- As sql/finalize.sql does at CREATE EXTENSION.
REVOKE EXECUTE ON FUNCTION pk_migration_script(text, text) FROM PUBLIC;
ALTER FUNCTION pk_migration_script(text, text) SET TimeZone = 'UTC';
ALTER FUNCTION pk_migration_script(text, text) SET DateStyle = 'ISO, YMD';
ALTER FUNCTION pk_migration_script(text, text) SET IntervalStyle = 'postgres';
ALTER FUNCTION pk_migration_script(text, text) SET extra_float_digits = 1;
ALTER FUNCTION pk_migration_script(text, text) SET enable_nestloop = off;
ALTER FUNCTION pk_migration_script(text, text) SET jit = off;
-- Each table's guard digest reads its rows from a subquery sorted by uuid: a parallel plan
-- could hand them to the aggregate in another order.
ALTER FUNCTION pk_migration_script(text, text) SET max_parallel_workers_per_gather = 0;
