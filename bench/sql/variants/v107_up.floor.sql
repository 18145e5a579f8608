-- (C) the floor: add the column, ONE backfill UPDATE (exact and latest-validated together),
-- then both indexes (after the backfill: it writes no index entries).
ALTER TABLE public.phoenix_kit_ai_endpoints ADD COLUMN integration_uuid uuid;
WITH latest AS (
  SELECT DISTINCT ON (split_part(key, ':', 2)) split_part(key, ':', 2) AS provider, uuid
    FROM public.phoenix_kit_settings
   WHERE key LIKE 'integration:%:%'
   ORDER BY split_part(key, ':', 2), (value_json ->> 'last_validated_at') DESC NULLS LAST, uuid ASC
), pins AS (
  SELECT e.uuid AS endpoint, s.uuid AS integration
    FROM public.phoenix_kit_ai_endpoints e
    JOIN public.phoenix_kit_settings s ON s.key = 'integration:' || e.provider
   WHERE e.provider LIKE '%:%'
  UNION ALL
  SELECT e.uuid, l.uuid
    FROM public.phoenix_kit_ai_endpoints e
    JOIN latest l ON l.provider = e.provider
   WHERE e.provider NOT LIKE '%:%'
)
UPDATE public.phoenix_kit_ai_endpoints e
   SET integration_uuid = p.integration
  FROM pins p
 WHERE e.uuid = p.endpoint;
CREATE INDEX phoenix_kit_ai_endpoints_integration_uuid_index ON public.phoenix_kit_ai_endpoints (integration_uuid);
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON public.phoenix_kit_ai_endpoints (lower(name));
COMMENT ON TABLE public.phoenix_kit IS '107';
