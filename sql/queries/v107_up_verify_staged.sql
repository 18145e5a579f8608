-- V107 up, verify against the kept plan: every planned pin is in place.
SELECT count(*) AS pinned,
       count(*) FILTER (WHERE v.rule = 'exact') AS pinned_exact,
       count(*) FILTER (WHERE v.rule = 'latest') AS pinned_latest_validated,
       count(*) FILTER (WHERE v.rule = 'uuid') AS pinned_by_uuid,
       count(*) FILTER (WHERE v.got IS DISTINCT FROM v.integration) AS wrong,
       (array_agg(format('endpoint %s: planned integration_uuid %s; the table holds %s', v.uuid, v.integration, COALESCE(v.got::text, 'NULL')) ORDER BY v.uuid)
            FILTER (WHERE v.got IS DISTINCT FROM v.integration))[1:@detail_limit@] AS wrong_rows
  FROM (SELECT p.uuid, p.rule, p.integration, e.integration_uuid AS got
          FROM pg_temp.pk_mig_plan p LEFT JOIN @endpoints@ e ON e.uuid = p.uuid) v
