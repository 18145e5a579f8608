-- V114 up, row by row, for pk_migration_plan: every integration row with the values the
-- rewrite gives it (its plan, v114_up_plan.sql) or why it stops the migration. Read-only.
-- `before`/`after` hold exactly the columns that change: key, and module and value_json
-- where they change. A blocked row's reason names its blocker (errors.rs, the migration's
-- RowBlocker table, whose names and SQLSTATEs fill the blocker_codes hole) and the row's own values.
WITH planned AS (
    @plan@
), key_taken AS (
    SELECT k.key AS uuid_text, k.holder FROM (@uuid_keys@) k
)
SELECT 'phoenix_kit_settings'::text AS relation, p.uuid AS row_uuid,
       CASE WHEN p.blocked IS NOT NULL THEN 'blocked' ELSE 'rewrite' END AS action,
       CASE WHEN p.blocked IS NULL THEN
            jsonb_build_object('key', p.key)
            || CASE WHEN p.module_set THEN jsonb_build_object('module', p.module) ELSE '{}' END
            || CASE WHEN p.value_json IS DISTINCT FROM p.new_value_json THEN jsonb_build_object('value_json', p.value_json) ELSE '{}' END
       END AS before,
       CASE WHEN p.blocked IS NULL THEN
            jsonb_build_object('key', p.new_key)
            || CASE WHEN p.module_set THEN jsonb_build_object('module', p.new_module) ELSE '{}' END
            || CASE WHEN p.value_json IS DISTINCT FROM p.new_value_json THEN jsonb_build_object('value_json', p.new_value_json) ELSE '{}' END
       END AS after,
       CASE WHEN p.blocked IS NOT NULL THEN COALESCE(bc.code, 'no SQLSTATE for blocker ' || p.blocked[1]) || ': ' || p.blocked[2] ELSE
                concat_ws('; ', format('key %s becomes the row''s uuid', p.key),
                          CASE WHEN p.provider_filled THEN format('provider filled from the key: %s', p.new_provider) END,
                          CASE WHEN p.provider_repaired THEN format('provider repaired from %s to %s (the old composite storage form)', quote_literal(p.jp), quote_literal(p.new_provider)) END,
                          CASE WHEN p.name_filled THEN format('name filled from the key: %s', p.new_name) END,
                          CASE WHEN p.module_set THEN format('module set to integrations (was %s)', COALESCE(quote_literal(p.module), 'NULL')) END,
                          CASE WHEN p.vj_type IS NULL OR p.vj_type = 'null' THEN 'value_json was null and becomes an object' END) END AS reason
  FROM (SELECT pl.*,
               CASE WHEN pl.uuid IS NULL THEN ARRAY['null_uuid', 'the row has no uuid, so its uuid cannot become its key']
                    WHEN pl.bad_shape THEN ARRAY['bad_shape', format('value_json is a JSON %s, not an object', pl.vj_type)]
                    WHEN pl.bad_fields THEN ARRAY['bad_fields', format('provider is %s, name is %s in value_json; each must be a string',
                                                                       COALESCE('a JSON ' || pl.p_type, 'missing'), COALESCE('a JSON ' || pl.n_type, 'missing'))]
                    WHEN pl.new_provider IS NULL THEN ARRAY['no_provider', 'no provider: the key has none and value_json has no usable one']
                    WHEN kt.holder IS NOT NULL THEN ARRAY['key_taken', format('its new key %s is already held by the row with uuid %s', pl.uuid, kt.holder)]
               END AS blocked
          FROM planned pl
          LEFT JOIN key_taken kt ON kt.uuid_text = pl.uuid::text) p
  LEFT JOIN (@blocker_codes@) bc (name, code) ON bc.name = p.blocked[1]
