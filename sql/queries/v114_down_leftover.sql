-- V114 down's postcondition that no uuid-keyed integration row is left.
SELECT count(*) AS left_over,
       (array_agg(format('uuid %s, key %s', x.uuid, x.key) ORDER BY x.uuid))[1:50] AS left_over_rows
  FROM (SELECT s.uuid, s.key::text AS key FROM @settings@ s
         WHERE s.module = 'integrations' AND s.key = s.uuid::text LIMIT 10000) x
