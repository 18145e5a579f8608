-- V107 down's verify step, one statement: what is left of V107 on the endpoints after its
-- drops, read from the live catalog: the column, and V107's indexes on the table
-- (v107_index.sql, in the hole plan). Read-only.
--   $1  the endpoints table, quoted (text)
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = $1::pg_catalog.regclass AND a.attname = 'integration_uuid' AND NOT a.attisdropped) AS column_left,
       COALESCE((SELECT pg_catalog.array_agg(i.relname ORDER BY i.relname) FROM (@plan@) i WHERE i.on_endpoints), '{}') AS indexes_left
