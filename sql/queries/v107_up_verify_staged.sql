-- V107 up, staged: the pins of the kept plan by rule, once the staged path has compared each
-- endpoint with the table (whole rows) and found it as planned.
SELECT count(*) AS pinned,
       count(*) FILTER (WHERE p.rule = 'exact') AS pinned_exact,
       count(*) FILTER (WHERE p.rule = 'latest') AS pinned_latest_validated,
       count(*) FILTER (WHERE p.rule = 'uuid') AS pinned_by_uuid,
       0::bigint AS wrong, NULL::text[] AS wrong_rows
  FROM pg_temp.pk_mig_plan p
