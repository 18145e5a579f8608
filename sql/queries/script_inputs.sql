-- A migration script's decision inputs (docs/behaviour.md section 13): per row the migration
-- reads, the text of exactly the values it decides by (`input`) and a short hash of it that
-- only serves to name the rows that differ. Run on the copy when the script is made, and by
-- the script where it is applied. Dates are rendered under the settings both fix (TimeZone
-- UTC, DateStyle ISO). Ordered by uuid, then the input's bytes: the digest below reads them in
-- this order.
--   where (fragment): which settings rows the migration reads
--   label (fragment): settings: the text of the values it decides by (V107 up: uuid, key and
--                     last_validated_at; V114: also module and the JSON provider and name; V114
--                     down: also date_added, which orders a group), each quoted (format's %L:
--                     no two rows' values give one text); endpoints: one more input
--                     (integration_uuid when the column exists), or NULL

--- settings
SELECT x.rel, x.uuid, x.input, to_hex(hashtextextended(x.input, 0)) AS hash
  FROM (SELECT 'phoenix_kit_settings'::text AS rel, s.uuid,
               @label@ AS input
          FROM @settings@ s
         WHERE @where@) x
 ORDER BY x.uuid, x.input COLLATE "C"

--- endpoints
SELECT x.rel, x.uuid, x.input, to_hex(hashtextextended(x.input, 0)) AS hash
  FROM (SELECT 'phoenix_kit_ai_endpoints'::text AS rel, e.uuid, format('%s %L %L %L', e.uuid, e.name, e.provider, @label@) AS input
          FROM @endpoints@ e) x
 ORDER BY x.uuid, x.input COLLATE "C"

--- digest
-- One table's guard, an aggregate over its inputs `l`, read in their order (uuid, then the
-- input's bytes: whatever the databases' collations): md5 over every input text. An ORDER BY
-- inside the aggregate would sort them again before PostgreSQL 16. (Per-row md5s cost more
-- than the migration itself: each call sets up a hash context; the per-row hashes above are
-- not the guard, only names for its rows.)
md5(string_agg(l.input, E'\n'))
