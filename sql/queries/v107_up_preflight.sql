-- V107 up, the summary of its plan (v107_up_plan.sql) and the duplicate-name blocker.
-- Read-only.
WITH planned AS (
    @plan@
    -- Fenced, so the lookups run once per endpoint.
    OFFSET 0
), duplicates AS (
    SELECT lower(e.name) AS lower_name,
           format('%s: %s', quote_literal(lower(e.name)),
                  string_agg(format('uuid %s name %s', e.uuid, quote_literal(e.name)), ', ' ORDER BY e.uuid)) AS line
      FROM @endpoints@ e
     GROUP BY lower(e.name)
    HAVING count(*) > 1
)
SELECT (SELECT count(*) FROM planned WHERE integration IS NOT NULL) AS pins,
       (SELECT count(*) FROM planned WHERE integration IS NOT NULL AND rule = 'exact') AS pinned_exact,
       (SELECT count(*) FROM planned WHERE integration IS NOT NULL AND rule = 'latest') AS pinned_latest_validated,
       (SELECT count(*) FROM planned WHERE integration IS NOT NULL AND rule = 'uuid') AS pinned_by_uuid,
       (SELECT count(*) FROM duplicates) AS duplicate_groups,
       (SELECT (array_agg(line ORDER BY lower_name))[1:@detail_limit@] FROM duplicates) AS duplicate_rows
