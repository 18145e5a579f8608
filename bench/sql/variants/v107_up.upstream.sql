-- (B) upstream V107 up (v107.ex at 8ff80f1f, docs/upstream.md §5.1-§5.2), re-created as plain SQL.
-- Every reference is qualified, public included; the integration_uuid index is built BEFORE
-- the backfill, the unique lower(name) index after it, as upstream does.
ALTER TABLE public.phoenix_kit_ai_endpoints ADD COLUMN IF NOT EXISTS integration_uuid uuid;
CREATE INDEX IF NOT EXISTS phoenix_kit_ai_endpoints_integration_uuid_index
    ON public.phoenix_kit_ai_endpoints (integration_uuid);
-- Backfill #1: exact match on the composite key.
UPDATE public.phoenix_kit_ai_endpoints e
   SET integration_uuid = s.uuid
  FROM public.phoenix_kit_settings s
 WHERE s.key = 'integration:' || e.provider
   AND e.integration_uuid IS NULL
   AND e.provider LIKE '%:%';
-- Backfill #2: bare provider, most recently validated (text order), then smallest uuid.
WITH ranked AS (
  SELECT uuid,
         split_part(key, ':', 2) AS provider,
         ROW_NUMBER() OVER (PARTITION BY split_part(key, ':', 2)
                            ORDER BY (value_json ->> 'last_validated_at') DESC NULLS LAST, uuid ASC) AS rn
    FROM public.phoenix_kit_settings
   WHERE key LIKE 'integration:%:%'
)
UPDATE public.phoenix_kit_ai_endpoints e
   SET integration_uuid = r.uuid
  FROM ranked r
 WHERE r.rn = 1
   AND r.provider = e.provider
   AND e.integration_uuid IS NULL
   AND e.provider NOT LIKE '%:%';
CREATE UNIQUE INDEX IF NOT EXISTS phoenix_kit_ai_endpoints_name_index
    ON public.phoenix_kit_ai_endpoints (lower(name));
COMMENT ON TABLE public.phoenix_kit IS '107';
