-- V114 up, the rewrite, when no trigger of the table's users can touch the rows. The SET
-- expressions are the plan's (v114_up_plan.sql, whose pre-flight has passed: value_json is an
-- object or null, provider and name are strings or null). Without triggers, rules (refused),
-- or columns of other types (refused), what this statement writes is exactly what the plan
-- says, so the verify step needs only the number of rows it wrote and a range scan for any
-- composite key left (v114_up_leftover.sql); a RETURNING of every row would cost a third of
-- the rewrite again at 10^6 rows (measured) to re-check what PostgreSQL already guarantees.
UPDATE @settings@ s
   SET key = s.uuid::text,
       module = 'integrations',
       value_json = CASE WHEN (s.value_json ->> 'provider') <> '' AND strpos(s.value_json ->> 'provider', ':') = 0
                              AND (s.value_json ->> 'name') <> ''
                         THEN s.value_json
                         ELSE COALESCE(NULLIF(s.value_json, 'null'::jsonb), '{}'::jsonb)
                              || jsonb_build_object('provider', phoenix_kit_mig_internal.pk_v114_provider(s.key::text, (s.value_json ->> 'provider')::text),
                                                    'name', phoenix_kit_mig_internal.pk_v114_name(s.key::text, (s.value_json ->> 'name')::text)) END
 WHERE s.key LIKE 'integration:%'
