-- V107 up/down: the relations of the target schema that have the names of V107's indexes,
-- and what each is. Read-only.
--   schema_literal (hole): the schema name, as a quoted literal
-- No parameters: a migration script (section 13) runs this very statement where it is applied.
SELECT c.relname::text AS relname,
       CASE WHEN c.relkind = 'i' THEN pg_get_indexdef(c.oid)
                 || CASE WHEN NOT (i.indisvalid AND i.indisready) THEN ' (INVALID: left by a failed CREATE INDEX CONCURRENTLY)' ELSE '' END
            ELSE 'a relation of kind ' || quote_literal(c.relkind::text) || ', not an index' END AS definition,
       -- A valid, unique, non-partial btree on lower(name) of the endpoints; PostgreSQL writes the
       -- key lower((name)::text) for a varchar name and lower(name) for a text one.
       COALESCE(i.indisunique AND i.indisvalid AND i.indisready AND i.indpred IS NULL AND i.indnkeyatts = 1 AND i.indnatts = 1
                AND i.indrelid = ep.oid AND am.amname = 'btree'
                AND pg_get_indexdef(c.oid, 1, false) IN ('lower((name)::text)', 'lower(name)'), false) AS is_unique_lower_name,
       -- A valid, non-partial btree on integration_uuid of the endpoints.
       COALESCE(i.indisvalid AND i.indisready AND i.indpred IS NULL AND i.indnkeyatts = 1 AND i.indnatts = 1
                AND i.indrelid = ep.oid AND am.amname = 'btree'
                AND pg_get_indexdef(c.oid, 1, false) = 'integration_uuid', false) AS is_uuid_index,
       COALESCE(i.indisvalid AND i.indisready, false) AS valid,
       COALESCE(i.indrelid = ep.oid, false) AS on_endpoints
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN (SELECT e.oid FROM pg_class e JOIN pg_namespace en ON en.oid = e.relnamespace
              WHERE en.nspname = @schema_literal@ AND e.relname = 'phoenix_kit_ai_endpoints') ep ON true
  LEFT JOIN pg_index i ON i.indexrelid = c.oid
  LEFT JOIN pg_am am ON am.oid = c.relam
 WHERE n.nspname = @schema_literal@
   AND c.relname IN ('phoenix_kit_ai_endpoints_name_index', 'phoenix_kit_ai_endpoints_integration_uuid_index')
 ORDER BY c.relname
