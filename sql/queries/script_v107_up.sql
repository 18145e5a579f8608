-- V107 up in a migration script (docs/behaviour.md section 13; the frame is script_frame.sql). The
-- endpoints' data holds, per endpoint to pin, [uuid, hash, integration_uuid]; every other
-- endpoint and every integration row is [uuid, hash]. The schema steps (the column before
-- the backfill, the indexes after it) are the migration's own statements.

--- rows
CREATE TEMPORARY TABLE pk_mig_rows ON COMMIT DROP AS
  SELECT (e.value->>0)::uuid AS uuid, (e.value->>2)::uuid AS pin
    FROM jsonb_array_elements(pk_endpoints_data) e
   WHERE jsonb_array_length(e.value) > 2;

--- recheck
-- Names that collide when case is ignored, by this database's lower(): its LC_CTYPE may fold
-- characters that the copy's did not (the digests compare the names, not how they fold). The
-- migration's own 23505, listing every group, before its unique index would fail on them.
--   duplicate_names (literal): v107_up_preflight.sql for this schema
EXECUTE format('SELECT d.duplicate_groups, array_to_string(d.duplicate_rows, pg_catalog.chr(10)) FROM (%s) d', @duplicate_names@) INTO pk_n, pk_problems;
IF pk_n > 0 THEN
  RAISE EXCEPTION USING ERRCODE = '23505',
    MESSAGE = format('%s group(s) of endpoints in %s.phoenix_kit_ai_endpoints share a name when case is ignored', pk_n, (pk_params->>'shown_schema')),
    DETAIL = pk_problems,
    HINT = 'This database folds case differently from the copy the script was made from (LC_CTYPE). Rename or delete endpoints until lower(name) is unique here, then dump the tables again and make a new script.';
END IF;

--- apply
UPDATE @endpoints@ e SET integration_uuid = r.pin
  FROM pg_temp.pk_mig_rows r
 WHERE e.uuid = r.uuid AND e.integration_uuid IS NULL;
GET DIAGNOSTICS pk_written = ROW_COUNT;

--- verify
-- The column is looked up first: before the run it may not exist, and the pins are read only
-- where it does.
SELECT count(*) INTO pk_n
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = @schema_literal@ AND c.relname = 'phoenix_kit_ai_endpoints' AND a.attname = 'integration_uuid'
   AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype;
IF pk_n = 0 THEN
  pk_n := 1;
  pk_problems := 'the column integration_uuid (uuid) is missing';
ELSE
  SELECT count(*),
         array_to_string((array_agg(v.line ORDER BY v.line))[1:50], E'\n') || CASE WHEN count(*) > 50 THEN format(E'\nand %s more', count(*) - 50) ELSE '' END
    INTO pk_n, pk_problems
    FROM (SELECT format('%s: integration_uuid %s (planned %s)', r.uuid, COALESCE(e.integration_uuid::text, 'NULL'), r.pin) AS line
            FROM pg_temp.pk_mig_rows r LEFT JOIN @endpoints@ e ON e.uuid = r.uuid
           WHERE e.integration_uuid IS DISTINCT FROM r.pin
          UNION ALL
          SELECT format('index %s is missing or not valid', x.name)
            FROM (VALUES ('phoenix_kit_ai_endpoints_name_index'), ('phoenix_kit_ai_endpoints_integration_uuid_index')) x(name)
           WHERE NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid
                              JOIN pg_class t ON t.oid = i.indrelid
                             WHERE n.nspname = @schema_literal@ AND c.relname = x.name AND t.relname = 'phoenix_kit_ai_endpoints'
                               AND i.indisvalid AND i.indisready)) v;
END IF;

--- image
b.img || jsonb_build_object('integration_uuid', COALESCE(NULLIF(b.img->'integration_uuid', 'null'::jsonb), to_jsonb(r.pin)))
