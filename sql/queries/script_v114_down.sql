-- V114 down in a migration script (docs/behaviour.md section 13; the frame is script_frame.sql). The
-- data holds, per rewritten row, [uuid, hash, new key]; the rows that only hold composite
-- keys (which decide the suffixes) are [uuid, hash].

--- rows
CREATE TEMPORARY TABLE pk_mig_rows ON COMMIT DROP AS
  SELECT (e.value->>0)::uuid AS uuid, e.value->>2 AS new_key
    FROM jsonb_array_elements(pk_settings_data) e
   WHERE jsonb_array_length(e.value) > 2;

--- apply
UPDATE @settings@ s SET key = r.new_key FROM pg_temp.pk_mig_rows r
 WHERE s.uuid = r.uuid AND s.module = 'integrations' AND s.key = s.uuid::text;
GET DIAGNOSTICS pk_written = ROW_COUNT;

--- verify
SELECT count(*),
       array_to_string((array_agg(v.line ORDER BY v.line))[1:50], E'\n') || CASE WHEN count(*) > 50 THEN format(E'\nand %s more', count(*) - 50) ELSE '' END
  INTO pk_n, pk_problems
  FROM (SELECT format('%s: no row holds its planned key %s', r.uuid, quote_literal(r.new_key)) AS line
          FROM pg_temp.pk_mig_rows r
         WHERE NOT EXISTS (SELECT 1 FROM @settings@ s WHERE s.uuid = r.uuid AND s.key = r.new_key)
        UNION ALL
        SELECT format('%s: still keyed by its uuid', s.uuid)
          FROM @settings@ s WHERE s.module = 'integrations' AND s.key = s.uuid::text) v;

--- image
CASE WHEN r.uuid IS NULL THEN b.img ELSE b.img || jsonb_build_object('key', r.new_key) END
