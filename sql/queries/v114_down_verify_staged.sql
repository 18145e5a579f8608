-- V114 down, verify against the kept plan: every planned row holds exactly its planned key,
-- and no uuid-keyed integration row is left.
SELECT count(*) AS rewritten,
       COALESCE(jsonb_agg(jsonb_build_object('uuid', v.uuid, 'key', v.new_key) ORDER BY v.new_key) FILTER (WHERE v.suffixed), '[]'::jsonb) AS suffixed,
       count(*) FILTER (WHERE NOT v.ok) AS wrong,
       (array_agg(v.line ORDER BY v.uuid) FILTER (WHERE NOT v.ok))[1:@detail_limit@] AS wrong_rows
  FROM (SELECT p.uuid, p.new_key, p.suffixed,
               COALESCE(s.key::text = p.new_key, false) AS ok,
               format('uuid %s: planned key %s; the table holds %s', p.uuid, p.new_key,
                      CASE WHEN s.uuid IS NULL THEN 'no such row' ELSE quote_literal(s.key) END) AS line
          FROM pg_temp.pk_mig_plan p
          LEFT JOIN @settings@ s ON s.uuid = p.uuid) v
