-- V114 up, verify against the kept plan: every planned row holds exactly its planned key,
-- module, provider and name.
SELECT count(*) AS planned,
       count(*) FILTER (WHERE NOT ok) AS wrong,
       (array_agg(line ORDER BY old_key) FILTER (WHERE NOT ok))[1:@detail_limit@] AS wrong_rows
  FROM (SELECT p.old_key,
               COALESCE(s.key::text = p.new_key AND s.module::text = p.new_module
                        AND s.value_json -> 'provider' = p.new_value_json -> 'provider'
                        AND s.value_json -> 'name' = p.new_value_json -> 'name', false) AS ok,
               format('uuid %s, key %s: planned key %s, module %s, provider %s, name %s; the table holds %s',
                      p.uuid, p.old_key, p.new_key, p.new_module, p.new_value_json -> 'provider', p.new_value_json -> 'name',
                      CASE WHEN s.uuid IS NULL THEN 'no such row'
                           ELSE format('key %s, module %s, provider %s, name %s', quote_literal(s.key), COALESCE(quote_literal(s.module), 'NULL'),
                                       COALESCE(s.value_json -> 'provider', 'null'), COALESCE(s.value_json -> 'name', 'null')) END) AS line
          FROM pg_temp.pk_mig_plan p
          LEFT JOIN @settings@ s ON s.uuid = p.uuid) v
