-- The relations whose after-trigger events can wait for COMMIT — every relation with an
-- enabled deferrable trigger — and the tables a migration locks. The staged path asks
-- PostgreSQL, for each, whether events are pending after its UPDATE: such events would run
-- after the verify step. Read-only.
--   $1 the locked tables, schema-qualified and quoted
SELECT c.oid, c.oid::regclass::text AS name
  FROM pg_class c
 WHERE c.oid IN (SELECT g.tgrelid FROM pg_trigger g WHERE g.tgdeferrable AND g.tgenabled <> 'D')
    OR c.oid IN (SELECT n::regclass FROM unnest($1::text[]) n)
 ORDER BY 2
