-- V114 down, the pre-flight of status and the preview: the summary (v114_down_summary.sql)
-- over its plan (v114_down_plan.sql). Read-only.
--   $1  the largest number of characters the key column holds (NULL: unlimited)
WITH planned AS (
    @plan@
)
SELECT * FROM (@summary@) summary
