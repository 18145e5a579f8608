-- A migration script's decision inputs (docs/behaviour.md section 13): one digest per row the
-- migration reads, of exactly the values it decides by. Run on the copy when the script is
-- made, and by the script where it is applied; the two must agree row for row. Dates are
-- rendered under the settings both fix (TimeZone UTC, DateStyle ISO).
--   where (fragment): which settings rows the migration reads
--   label (fragment): one more input (V114 down: date_added, which orders a group; V107:
--                     integration_uuid when the column exists), or NULL

--- settings
SELECT 'phoenix_kit_settings'::text AS rel, s.uuid,
       md5(ROW(s.uuid, s.key, s.module, s.value_json -> 'provider', s.value_json -> 'name',
               s.value_json -> 'last_validated_at', @label@)::text) AS digest
  FROM @settings@ s
 WHERE @where@

--- endpoints
SELECT 'phoenix_kit_ai_endpoints'::text AS rel, e.uuid, md5(ROW(e.uuid, e.name, e.provider, @label@)::text) AS digest
  FROM @endpoints@ e

--- digest
-- One digest over every row's (the copy's against the live one's before anything else): the
-- order is by uuid, and by the texts' bytes (COLLATE "C"), whatever the databases' collations.
SELECT md5(string_agg(concat_ws(' ', l.rel, l.uuid, l.digest), E'\n' ORDER BY l.rel COLLATE "C", l.uuid, l.digest COLLATE "C"))
  FROM (@inputs@) l
