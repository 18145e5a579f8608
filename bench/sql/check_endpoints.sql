-- End-state fingerprint of phoenix_kit_ai_endpoints (V107 runs).
--   pins     uuid + integration_uuid of every endpoint ('-' when NULL or no column)
--   pinned   how many are pinned;  indexes  md5 of every index definition on the table
--   column   type of integration_uuid or none;  version  the phoenix_kit comment
SELECT concat_ws(' ',
  'pins=' || (SELECT COALESCE(sum(hashtextextended(e.uuid::text || '|' || COALESCE(to_jsonb(e) ->> 'integration_uuid', '-'), 7)::numeric), 0)
                FROM public.phoenix_kit_ai_endpoints e),
  'pinned=' || (SELECT count(*) FROM public.phoenix_kit_ai_endpoints e WHERE to_jsonb(e) ->> 'integration_uuid' IS NOT NULL),
  'indexes=' || (SELECT md5(string_agg(indexdef, ';' ORDER BY indexname)) FROM pg_indexes
                  WHERE schemaname = 'public' AND tablename = 'phoenix_kit_ai_endpoints'),
  'column=' || COALESCE((SELECT replace(format_type(atttypid, atttypmod), ' ', '_') FROM pg_attribute
                          WHERE attrelid = 'public.phoenix_kit_ai_endpoints'::regclass
                            AND attname = 'integration_uuid' AND NOT attisdropped), 'none'),
  'version=' || COALESCE(obj_description('public.phoenix_kit'::regclass, 'pg_class'), '<none>'),
  'rows=' || (SELECT count(*) FROM public.phoenix_kit_ai_endpoints));
