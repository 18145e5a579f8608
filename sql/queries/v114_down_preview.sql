-- V114 down, row by row, for pk_migration_plan: every uuid-keyed integration row with the
-- composite key it gets back (its plan, v114_down_plan.sql) and why a key is suffixed, or why
-- the row stops the migration. Read-only.
-- A blocked row's reason names its blocker (errors.rs, the migration's RowBlocker table,
-- whose names and SQLSTATEs fill the blocker_codes hole) and the row's own values.
--   key_max (hole): the largest number of characters the key column holds (NULL: unlimited)
WITH planned AS (
    @plan@
), checked AS (
    SELECT p.*,
           (SELECT min(o.uuid::text) FROM @settings@ o WHERE o.key = p.new_key) AS holder,
           count(*) OVER (PARTITION BY p.new_key) AS planned_twice
      FROM planned p
)
SELECT 'phoenix_kit_settings'::text AS relation, c.uuid AS row_uuid,
       CASE WHEN c.blocked IS NOT NULL THEN 'blocked' ELSE 'rewrite' END AS action,
       CASE WHEN c.blocked IS NULL THEN jsonb_build_object('key', c.old_key) END AS before,
       CASE WHEN c.blocked IS NULL THEN jsonb_build_object('key', c.new_key) END AS after,
       CASE WHEN c.blocked IS NOT NULL THEN COALESCE(bc.code, 'no SQLSTATE for blocker ' || c.blocked[1]) || ': ' || c.blocked[2] ELSE
                CASE WHEN c.suffix_reason IS NULL THEN format('composite key rebuilt from provider %s and name %s', quote_literal(c.provider), quote_literal(c.name))
                     ELSE format('suffixed with the uuid''s tail: %s', c.suffix_reason) END END AS reason
  FROM (SELECT ch.*,
               CASE WHEN NOT COALESCE(ch.provider <> '' AND ch.name <> '', false)
                    THEN ARRAY['unusable', format('provider is %s, name is %s in value_json; each must be a non-empty string',
                                                  CASE WHEN ch.provider IS NOT NULL THEN quote_literal(ch.provider) ELSE COALESCE('a JSON ' || ch.p_type, 'missing') END,
                                                  CASE WHEN ch.name IS NOT NULL THEN quote_literal(ch.name) ELSE COALESCE('a JSON ' || ch.n_type, 'missing') END)]
                    WHEN strpos(ch.provider, ':') > 0
                    THEN ARRAY['colon_provider', format('provider %s contains '':''; its composite key would parse back to another provider', quote_literal(ch.provider))]
                    WHEN char_length(ch.new_key) > @key_max@::int
                    THEN ARRAY['too_long', format('rebuilt key %s has %s characters; the key column holds %s', ch.new_key, char_length(ch.new_key), @key_max@::int)]
                    WHEN ch.holder IS NOT NULL THEN ARRAY['colliding', format('rebuilt key %s is held by the row with uuid %s', ch.new_key, ch.holder)]
                    WHEN ch.planned_twice > 1 THEN ARRAY['colliding', format('rebuilt key %s is planned for %s rows', ch.new_key, ch.planned_twice)]
               END AS blocked
          FROM checked ch) c
  LEFT JOIN (@blocker_codes@) bc (name, code) ON bc.name = c.blocked[1]
