-- V114 up in a migration script (docs/behaviour.md section 13; the frame is script_frame.sql). The
-- data holds, per rewritten row, [uuid, hash, provider, name]: provider and name are the
-- plan's, NULL where value_json stays as it is. The key becomes the uuid; provider and name
-- are merged into the live value_json, never the copy's whole value (it holds credentials).

--- rows
CREATE TEMPORARY TABLE pk_mig_rows ON COMMIT DROP AS
  SELECT (e.value->>0)::uuid AS uuid, e.value->>2 AS provider, e.value->>3 AS name
    FROM jsonb_array_elements(pk_settings_data) e
   WHERE jsonb_array_length(e.value) > 2;

--- recheck
-- Its new key held by a row outside the integration rows (the digests do not cover those).
SELECT count(*), string_agg(format('%s: its new key is held by the row with uuid %s', r.uuid, COALESCE(k.uuid::text, 'NULL')), E'\n' ORDER BY r.uuid)
  INTO pk_n, pk_problems
  FROM @settings@ k JOIN pg_temp.pk_mig_rows r ON k.key = r.uuid::text AND k.uuid IS DISTINCT FROM r.uuid;
IF pk_n > 0 THEN
  RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = format('v114_up: %s integration row(s) of %s.phoenix_kit_settings would take a key another row holds', pk_n, (pk_params->>'shown_schema')),
    DETAIL = pk_problems, HINT = 'Fix or remove the rows holding those keys, then apply the script again.';
END IF;

--- apply
UPDATE @settings@ s
   SET key = s.uuid::text,
       module = 'integrations',
       value_json = CASE WHEN r.provider IS NULL THEN s.value_json
                         ELSE COALESCE(NULLIF(s.value_json, 'null'::jsonb), '{}'::jsonb)
                              || jsonb_build_object('provider', r.provider, 'name', r.name) END
  FROM pg_temp.pk_mig_rows r
 WHERE s.uuid = r.uuid AND s.key LIKE 'integration:%';
GET DIAGNOSTICS pk_written = ROW_COUNT;

--- verify
SELECT count(*),
       array_to_string((array_agg(v.line ORDER BY v.line))[1:50], E'\n') || CASE WHEN count(*) > 50 THEN format(E'\nand %s more', count(*) - 50) ELSE '' END
  INTO pk_n, pk_problems
  -- (Rows are matched by uuid and their planned values: a row outside the plan may share a
  -- uuid once the primary key is gone.)
  FROM (SELECT format('%s: no row holds its planned key, module integrations%s', r.uuid,
                      CASE WHEN r.provider IS NOT NULL THEN format(', provider %s and name %s', quote_literal(r.provider), quote_literal(r.name)) ELSE '' END) AS line
          FROM pg_temp.pk_mig_rows r
         WHERE NOT EXISTS (SELECT 1 FROM @settings@ s
                            WHERE s.uuid = r.uuid AND s.key = r.uuid::text AND s.module = 'integrations'
                              AND (r.provider IS NULL OR (s.value_json->'provider' = to_jsonb(r.provider)
                                                          AND s.value_json->'name' = to_jsonb(r.name))))
        UNION ALL
        SELECT format('%s: key %s is still in the composite shape', COALESCE(s.uuid::text, '(no uuid)'), quote_literal(s.key))
          FROM @settings@ s WHERE s.key LIKE 'integration:%') v;

--- image
CASE WHEN r.uuid IS NULL THEN b.img
     ELSE b.img || jsonb_build_object('key', r.uuid::text, 'module', 'integrations')
          || CASE WHEN r.provider IS NOT NULL
                  THEN jsonb_build_object('value_json', COALESCE(NULLIF(b.img->'value_json', 'null'::jsonb), '{}'::jsonb)
                                                        || jsonb_build_object('provider', r.provider, 'name', r.name))
                  ELSE '{}'::jsonb END END
