-- V107 up, the summary of its plan (v107_up_plan.sql): the pins a run now would make, by rule.
-- Read-only. Only pk_migration_status needs it (as `pending`): a run reads the same plan once,
-- in its UPDATE, and verifies each pin there.
SELECT count(*) FILTER (WHERE p.integration IS NOT NULL) AS pins
  FROM (@plan@) p
