-- Integration keys held by several settings rows (the unique index on key was dropped or made
-- deferrable): V107's exact-key rule would have to guess between them. Read-only.
SELECT count(*) AS groups,
       (array_agg(line ORDER BY key))[1:50] AS group_rows
  FROM (SELECT s.key::text AS key,
               format('key %s: %s rows (uuid %s)', s.key, count(*), string_agg(s.uuid::text, ', ' ORDER BY s.uuid)) AS line
          FROM @settings@ s
         WHERE s.key LIKE 'integration:%'
         GROUP BY s.key
        HAVING count(*) > 1) d
