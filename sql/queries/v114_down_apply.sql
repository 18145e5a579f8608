-- V114 down, a run when no trigger of the table's users can touch the rows: one statement that
-- computes the plan once (v114_down_plan.sql), judges it (v114_down_summary.sql: every blocker)
-- and rewrites the planned rows only when nothing blocks them. Back to each planned row by its
-- ctid (stable: the lock keeps writers out), in ctid order. RETURNING shows what the table
-- holds, compared here with the plan for the verify step, as are the numbers planned and
-- rewritten.
--   $1  the largest number of characters the key column holds (NULL: unlimited)
WITH planned AS MATERIALIZED (
    SELECT * FROM (@plan@) p ORDER BY p.row_id
), summary AS MATERIALIZED (
    @summary@
), rewritten AS (
    UPDATE @settings@ s SET key = p.new_key
      FROM planned p
     WHERE s.ctid = p.row_id
       AND (SELECT su.unusable + su.colon_provider + su.too_long + su.colliding = 0 FROM summary su)
 RETURNING s.uuid, s.key::text AS got_key, p.new_key, p.suffix_reason IS NOT NULL AS suffixed
), outcome AS (
    SELECT count(*) AS rewritten,
           COALESCE(jsonb_agg(jsonb_build_object('uuid', uuid, 'key', got_key) ORDER BY got_key) FILTER (WHERE suffixed), '[]'::jsonb) AS suffixed_rows,
           count(*) FILTER (WHERE got_key IS DISTINCT FROM new_key) AS wrong,
           (array_agg(format('uuid %s: planned key %s; the table holds %s', uuid, new_key, COALESCE(quote_literal(got_key), 'NULL')) ORDER BY uuid)
                FILTER (WHERE got_key IS DISTINCT FROM new_key))[1:50] AS wrong_rows
      FROM rewritten
)
SELECT su.*, o.rewritten, o.suffixed_rows, o.wrong, o.wrong_rows
  FROM summary su, outcome o
