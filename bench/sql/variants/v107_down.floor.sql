-- (C) the floor: drop the indexes and the column.
DROP INDEX public.phoenix_kit_ai_endpoints_name_index, public.phoenix_kit_ai_endpoints_integration_uuid_index;
ALTER TABLE public.phoenix_kit_ai_endpoints DROP COLUMN integration_uuid;
COMMENT ON TABLE public.phoenix_kit IS '106';
