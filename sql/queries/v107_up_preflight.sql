-- V107 up's duplicate-name blocker: endpoints whose lower(name) collide, every group with its
-- endpoints (the first 50 groups, the detail limit). Read-only.
WITH duplicates AS (
    SELECT lower(e.name) AS lower_name,
           format('%s: %s', quote_literal(lower(e.name)),
                  string_agg(format('uuid %s name %s', COALESCE(e.uuid::text, 'NULL'), quote_literal(e.name)), ', ' ORDER BY e.uuid)) AS line
      FROM @endpoints@ e
     -- NULL names never collide in a unique index (the run's own check): not a group here either.
     WHERE e.name IS NOT NULL
     GROUP BY lower(e.name)
    HAVING count(*) > 1
)
SELECT (SELECT count(*) FROM duplicates) AS duplicate_groups,
       (SELECT (array_agg(line ORDER BY lower_name))[1:50] FROM duplicates) AS duplicate_rows
