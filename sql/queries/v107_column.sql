-- V107 up and down: the type of the endpoints' integration_uuid column (NULL: there is none),
-- read from the live catalog: before V107's DDL (the plan) and after it (the verify step).
--   $1  the endpoints table, schema-qualified and quoted (text)
SELECT (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = $1::pg_catalog.regclass AND a.attname = 'integration_uuid' AND NOT a.attisdropped)
