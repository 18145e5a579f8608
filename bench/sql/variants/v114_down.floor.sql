-- (C) the floor: the plain key rebuild, no ranking, no pre-flight. Reaches the same keys as
-- (A) and (B) only because the benchmark data has no duplicate (provider, name).
UPDATE phoenix_kit_settings
   SET key = 'integration:' || (value_json ->> 'provider') || ':' || (value_json ->> 'name')
 WHERE module = 'integrations' AND key = uuid::text;
COMMENT ON TABLE phoenix_kit IS '113';
