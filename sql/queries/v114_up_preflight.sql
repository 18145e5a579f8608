-- V114 up, the summary of its plan (v114_up_plan.sql): the counts of the report and every
-- blocker of the pre-flight, each with its rows (the first 50, the detail limit). Read-only.
--   $1  the largest number of characters the key column holds (NULL: unlimited)
--   $2  the same for the module column
WITH planned AS (
    @plan@
), key_taken AS (
    -- Each uuid-shaped key, with the integration row whose uuid it is (probing the primary
    -- key); min(): without a unique uuid the probe may find several rows and must not fail.
    SELECT u.uuid_text AS uuid, u.key, u.holder
      FROM (SELECT k.holder, k.key AS uuid_text,
                   (SELECT min(s.key::text) FROM @settings@ s
                     WHERE s.uuid = k.key::uuid AND s.key LIKE 'integration:%') AS key
              FROM (@uuid_keys@) k) u
     WHERE u.key IS NOT NULL
)
SELECT count(*) AS rows,
       count(*) FILTER (WHERE provider_filled) AS provider_filled,
       count(*) FILTER (WHERE provider_repaired) AS provider_repaired,
       count(*) FILTER (WHERE name_filled) AS name_filled,
       count(*) FILTER (WHERE module_set) AS module_set,
       count(*) FILTER (WHERE uuid IS NULL) AS null_uuid,
       (array_agg(format('key %s', quote_literal(key)) ORDER BY key) FILTER (WHERE uuid IS NULL))[1:50] AS null_uuid_rows,
       count(*) FILTER (WHERE bad_shape) AS bad_shape,
       (array_agg(format('uuid %s, key %s: value_json is a JSON %s', uuid, key, vj_type) ORDER BY key)
            FILTER (WHERE bad_shape))[1:50] AS bad_shape_rows,
       count(*) FILTER (WHERE bad_fields) AS bad_fields,
       (array_agg(format('uuid %s, key %s: provider is %s, name is %s', uuid, key,
                         COALESCE('a JSON ' || p_type, 'missing'), COALESCE('a JSON ' || n_type, 'missing')) ORDER BY key)
            FILTER (WHERE bad_fields))[1:50] AS bad_fields_rows,
       count(*) FILTER (WHERE new_provider IS NULL AND NOT bad_shape AND NOT bad_fields) AS no_provider,
       (array_agg(format('uuid %s, key %s', uuid, key) ORDER BY key)
            FILTER (WHERE new_provider IS NULL AND NOT bad_shape AND NOT bad_fields))[1:50] AS no_provider_rows,
       (SELECT count(*) FROM key_taken) AS key_taken,
       (SELECT (array_agg(format('uuid %s, key %s: key %s is held by the row with uuid %s', uuid, key, uuid, holder) ORDER BY key))[1:50]
          FROM key_taken) AS key_taken_rows,
       -- A key or module column too short for the new value would fail or, for trailing
       -- spaces, be cut silently: judged here by the values' own lengths.
       CASE WHEN count(*) > 0 AND ($1 < 36 OR $2 < 12) THEN count(*) ELSE 0 END AS too_long
  FROM planned
