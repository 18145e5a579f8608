-- V107 up, the backfill, when no trigger of the table's users can touch the rows: only the
-- endpoints that found their integration are updated; RETURNING shows what the table holds,
-- compared here with the plan for the verify step.
WITH resolved AS (
    @plan@
    -- Fenced, so the lookups run once per endpoint and not again inside the UPDATE.
    OFFSET 0
), pinned AS (
    UPDATE @endpoints@ e SET integration_uuid = r.integration
      FROM resolved r
     WHERE e.uuid = r.uuid AND r.integration IS NOT NULL
 RETURNING e.uuid, e.integration_uuid AS got, r.integration AS planned, r.rule
)
SELECT count(*) AS pinned,
       count(*) FILTER (WHERE rule = 'exact') AS pinned_exact,
       count(*) FILTER (WHERE rule = 'latest') AS pinned_latest_validated,
       count(*) FILTER (WHERE rule = 'uuid') AS pinned_by_uuid,
       count(*) FILTER (WHERE got IS DISTINCT FROM planned) AS wrong,
       (array_agg(format('endpoint %s: planned integration_uuid %s; the table holds %s', uuid, planned, COALESCE(got::text, 'NULL')) ORDER BY uuid)
            FILTER (WHERE got IS DISTINCT FROM planned))[1:50] AS wrong_rows
  FROM pinned
