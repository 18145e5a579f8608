-- V114 down, the rewrite, when no trigger of the table's users can touch the rows: back to
-- each planned row by its ctid (stable: the lock keeps writers out), in ctid order. RETURNING
-- shows what the table holds, compared here with the plan for the verify step.
WITH planned AS (
    SELECT * FROM (@plan@) p ORDER BY p.row_id
), rewritten AS (
    UPDATE @settings@ s SET key = p.new_key
      FROM planned p
     WHERE s.ctid = p.row_id
 RETURNING s.uuid, s.key::text AS got_key, p.new_key, p.suffix_reason IS NOT NULL AS suffixed
)
SELECT count(*) AS rewritten,
       COALESCE(jsonb_agg(jsonb_build_object('uuid', uuid, 'key', got_key) ORDER BY got_key) FILTER (WHERE suffixed), '[]'::jsonb) AS suffixed,
       count(*) FILTER (WHERE got_key IS DISTINCT FROM new_key) AS wrong,
       (array_agg(format('uuid %s: planned key %s; the table holds %s', uuid, new_key, COALESCE(quote_literal(got_key), 'NULL')) ORDER BY uuid)
            FILTER (WHERE got_key IS DISTINCT FROM new_key))[1:50] AS wrong_rows
  FROM rewritten
