-- V114 down, staged: the report's rows from the kept plan, once the staged path has compared
-- each with the table (whole rows) and found them as planned.
SELECT count(*) AS rewritten,
       COALESCE(jsonb_agg(jsonb_build_object('uuid', p.uuid, 'key', p.new_key) ORDER BY p.new_key) FILTER (WHERE p.suffixed), '[]'::jsonb) AS suffixed_rows
  FROM pg_temp.pk_mig_plan p
