-- (C) the floor: the least work that reaches the same keys.
UPDATE phoenix_kit_settings SET key = uuid::text WHERE key LIKE 'integration:%';
COMMENT ON TABLE phoenix_kit IS '114';
