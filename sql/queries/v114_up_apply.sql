-- V114 up, the rewrite, when no trigger of the table's users can touch the rows: then nothing
-- but this statement writes them and RETURNING shows what the table holds, so the verify step
-- reads it here instead of making a second pass. The SET expressions are the plan's
-- (v114_up_plan.sql, whose pre-flight has passed: value_json is an object or null, provider
-- and name are strings or null).
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
 RETURNING s.uuid, s.key::text AS got_key, s.module::text AS got_module,
           s.value_json -> 'provider' AS got_provider, s.value_json -> 'name' AS got_name
)
SELECT count(*) AS rewritten,
       count(*) FILTER (WHERE NOT ok) AS wrong,
       (array_agg(line ORDER BY uuid) FILTER (WHERE NOT ok))[1:@detail_limit@] AS wrong_rows
  FROM (SELECT r.uuid,
               COALESCE(r.got_key = r.uuid::text AND r.got_module = 'integrations'
                        AND jsonb_typeof(r.got_provider) = 'string' AND r.got_provider <> '""'
                        AND jsonb_typeof(r.got_name) = 'string' AND r.got_name <> '""', false) AS ok,
               format('uuid %s: the table holds key %s, module %s, provider %s, name %s', r.uuid,
                      COALESCE(quote_literal(r.got_key), 'NULL'), COALESCE(quote_literal(r.got_module), 'NULL'),
                      COALESCE(r.got_provider::text, 'none'), COALESCE(r.got_name::text, 'none')) AS line
          FROM rewritten r) v
