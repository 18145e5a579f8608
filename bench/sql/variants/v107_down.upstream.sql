-- (B) upstream V107 down (docs/upstream.md §5.4).
DROP INDEX IF EXISTS public.phoenix_kit_ai_endpoints_name_index;
DROP INDEX IF EXISTS public.phoenix_kit_ai_endpoints_integration_uuid_index;
ALTER TABLE public.phoenix_kit_ai_endpoints DROP COLUMN IF EXISTS integration_uuid;
COMMENT ON TABLE public.phoenix_kit IS '106';
