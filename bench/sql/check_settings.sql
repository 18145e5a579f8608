-- End-state fingerprint of phoenix_kit_settings (V114 runs). Order-independent sums of hashes.
--   keys     uuid + key of every row
--   module   uuid + module
--   json     uuid + value_json, with a JSON provider cut at its first ':' (upstream keeps the
--            old composite "openrouter:primary", the extension repairs it: docs/behaviour.md §10)
--   version  the phoenix_kit comment;  leftover  rows still keyed integration:…
SELECT concat_ws(' ',
  'keys=' || (SELECT COALESCE(sum(hashtextextended(uuid::text || '|' || key, 7)::numeric), 0) FROM public.phoenix_kit_settings),
  'module=' || (SELECT COALESCE(sum(hashtextextended(uuid::text || '|' || COALESCE(module, '<null>'), 7)::numeric), 0) FROM public.phoenix_kit_settings),
  'json=' || (SELECT COALESCE(sum(hashtextextended(uuid::text || '|' || COALESCE(
                 CASE WHEN jsonb_typeof(value_json) = 'object' AND jsonb_typeof(value_json -> 'provider') = 'string'
                      THEN (value_json || jsonb_build_object('provider', split_part(value_json ->> 'provider', ':', 1)))::text
                      ELSE value_json::text END, '<null>'), 7)::numeric), 0) FROM public.phoenix_kit_settings),
  'version=' || COALESCE(obj_description('public.phoenix_kit'::regclass, 'pg_class'), '<none>'),
  'leftover=' || (SELECT count(*) FROM public.phoenix_kit_settings WHERE key LIKE 'integration:%'),
  'rows=' || (SELECT count(*) FROM public.phoenix_kit_settings));
