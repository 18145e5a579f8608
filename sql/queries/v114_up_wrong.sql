-- V114 up, verify: what the table holds for the rows whose RETURNING flag said they did not end
-- as planned (only read when there are such rows).
--   $1  their uuids
SELECT array_agg(format('uuid %s: the table holds key %s, module %s, provider %s, name %s', s.uuid,
                        quote_literal(s.key), COALESCE(quote_literal(s.module), 'NULL'),
                        COALESCE(s.value_json -> 'provider', 'none'), COALESCE(s.value_json -> 'name', 'none')) ORDER BY s.uuid) AS wrong_rows
  FROM @settings@ s
 WHERE s.uuid = ANY ($1)
