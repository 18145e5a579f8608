-- V114 up's postcondition that no integration key is left in the composite shape: a range scan
-- of the key index, not a pass over the table.
SELECT count(*) AS left_over,
       (array_agg(format('uuid %s, key %s', x.uuid, x.key) ORDER BY x.key))[1:50] AS left_over_rows
  FROM (SELECT s.uuid, s.key::text AS key FROM @settings@ s WHERE s.key LIKE 'integration:%' LIMIT 10000) x
