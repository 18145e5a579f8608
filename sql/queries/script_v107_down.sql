-- V107 down in a migration script (docs/behaviour.md section 13; the frame is script_frame.sql). The
-- endpoints' data holds, per pin it discards, [uuid, hash, integration_uuid]; every other
-- endpoint is [uuid, hash]. The schema steps are the migration's own statements.
--   dependents (literal): v107_down_dependents.sql, run with the endpoints table as $1

--- rows
CREATE TEMPORARY TABLE pk_mig_rows ON COMMIT DROP AS
  SELECT (e.value->>0)::uuid AS uuid, (e.value->>2)::uuid AS pin
    FROM jsonb_array_elements(pk_endpoints_data) e
   WHERE jsonb_array_length(e.value) > 2;

--- recheck
-- Objects of this database's users that depend on the column (a view of another table ...)
-- that a copy of the three tables does not show.
IF EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema_literal@ AND c.relname = 'phoenix_kit_ai_endpoints' AND a.attname = 'integration_uuid' AND NOT a.attisdropped) THEN
  EXECUTE @dependents@ INTO pk_n, pk_problems USING pk_params->>'endpoints';
  IF pk_n > 0 THEN
    RAISE EXCEPTION USING ERRCODE = '2BP01',
      MESSAGE = format('%s object(s) depend on %s.integration_uuid, which V107 down drops', pk_n, pk_params->>'shown_endpoints'),
      DETAIL = pk_problems,
      HINT = 'Drop or change those objects first (they were not created by V107), then apply the script again.';
  END IF;
END IF;

--- apply
SELECT count(*) INTO pk_written FROM pg_temp.pk_mig_rows;

--- verify
SELECT count(*), string_agg(v.what, E'\n' ORDER BY v.what)
  INTO pk_n, pk_problems
  FROM (SELECT 'the column integration_uuid still exists' AS what
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = @schema_literal@ AND c.relname = 'phoenix_kit_ai_endpoints' AND a.attname = 'integration_uuid' AND NOT a.attisdropped
        UNION ALL
        SELECT format('index %s still exists', c.relname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_class t ON t.oid = i.indrelid
         WHERE n.nspname = @schema_literal@ AND t.relname = 'phoenix_kit_ai_endpoints'
           AND c.relname IN ('phoenix_kit_ai_endpoints_name_index', 'phoenix_kit_ai_endpoints_integration_uuid_index')) v;

--- image
b.img - 'integration_uuid'
