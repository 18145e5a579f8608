-- V114 up, the rewrite, when no trigger of the table's users can touch the rows: then nothing
-- but this statement writes them and RETURNING shows what the table holds, so the verify step
-- reads it here instead of making a second pass. The SET expressions are the plan's
-- (v114_up_plan.sql, whose pre-flight has passed: value_json is an object or null, provider
-- and name are strings or null). RETURNING carries one flag per row, not the row: the
-- details of a row that did not end as planned are read afterwards (v114_up_wrong.sql).
WITH rewritten AS (
    UPDATE @settings@ s
       SET key = s.uuid::text,
           module = 'integrations',
           value_json = CASE WHEN (s.value_json ->> 'provider') <> '' AND strpos(s.value_json ->> 'provider', ':') = 0
                                  AND (s.value_json ->> 'name') <> ''
                             THEN s.value_json
                             ELSE COALESCE(NULLIF(s.value_json, 'null'::jsonb), '{}'::jsonb)
                                  || jsonb_build_object('provider', @internal@.pk_v114_provider(s.key::text, (s.value_json ->> 'provider')::text),
                                                        'name', @internal@.pk_v114_name(s.key::text, (s.value_json ->> 'name')::text)) END
     WHERE s.key LIKE 'integration:%'
 RETURNING s.uuid,
           COALESCE(s.key::text = s.uuid::text AND s.module::text = 'integrations'
                    AND jsonb_typeof(s.value_json -> 'provider') = 'string' AND (s.value_json ->> 'provider') <> ''
                    AND jsonb_typeof(s.value_json -> 'name') = 'string' AND (s.value_json ->> 'name') <> '', false) AS ok
)
SELECT count(*) AS rewritten,
       count(*) FILTER (WHERE NOT ok) AS wrong,
       (array_agg(uuid ORDER BY uuid) FILTER (WHERE NOT ok))[1:@detail_limit@] AS wrong_uuids
  FROM rewritten
