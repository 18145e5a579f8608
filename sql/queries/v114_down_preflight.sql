-- V114 down, the pre-flight of status, the preview and a staged run: the summary
-- (v114_down_summary.sql) over its plan (v114_down_plan.sql; a staged run's kept plan,
-- pg_temp.pk_mig_plan, which holds the same columns). Read-only.
--   $1  the largest number of characters the key column holds (NULL: unlimited)
WITH planned AS (
    @plan@
)
SELECT * FROM (@summary@) summary
