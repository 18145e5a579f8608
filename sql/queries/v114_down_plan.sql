-- V114 down, the plan: one row per uuid-keyed integration row, with the composite key it gets
-- back. Deterministic, so the pre-flight, the rewrite and the preview compute the same keys.
-- Read-only.
--   settings (hole): the settings table, schema-qualified and quoted
--   phoenix_kit_mig_internal  the extension's internal schema, quoted
SELECT r.row_id, r.uuid, r.old_key, r.provider, r.name, r.p_type, r.n_type, r.plain_key,
       CASE WHEN r.plain_key IS NULL THEN NULL
            -- The first of each (provider, name) keeps the plain key unless a row that is not
            -- being rewritten holds it already; rewritten rows hold uuid keys, which never
            -- look composite.
            WHEN r.rn = 1 AND NOT r.held THEN r.plain_key
            ELSE phoenix_kit_mig_internal.pk_v114_composite_key(r.provider::text, r.name::text, r.uuid::uuid) END AS new_key,
       CASE WHEN r.plain_key IS NULL THEN NULL
            WHEN r.rn > 1 THEN format('key %s goes to the oldest of the %s rows with provider %s and name %s (by date_added, then uuid); this is number %s',
                                      r.plain_key, r.same, quote_literal(r.provider), quote_literal(r.name), r.rn)
            WHEN r.held THEN format('key %s is held by a row that is not being rewritten', r.plain_key) END AS suffix_reason
  FROM (SELECT k.*,
               -- Looked up once, for the first of each (provider, name) only.
               CASE WHEN k.rn = 1 THEN EXISTS (SELECT 1 FROM @settings@ o WHERE o.key = k.plain_key) END AS held
          FROM (SELECT t.row_id, t.uuid, t.old_key, t.provider, t.name, t.p_type, t.n_type,
                       row_number() OVER (same ORDER BY t.date_added ASC NULLS LAST, t.uuid ASC) AS rn,
                       count(*) OVER same AS same,
                       -- NULL for a row without a usable provider or name, or a provider with ':':
                       -- its rewrite is refused.
                       CASE WHEN strpos(t.provider, ':') = 0
                            THEN phoenix_kit_mig_internal.pk_v114_composite_key(NULLIF(t.provider, '')::text, NULLIF(t.name, '')::text, NULL::uuid) END AS plain_key
                  FROM (SELECT s.ctid AS row_id, s.uuid, s.key::text AS old_key, s.date_added,
                               jsonb_typeof(s.value_json -> 'provider') AS p_type,
                               jsonb_typeof(s.value_json -> 'name') AS n_type,
                               CASE WHEN jsonb_typeof(s.value_json -> 'provider') = 'string' THEN s.value_json ->> 'provider' END AS provider,
                               CASE WHEN jsonb_typeof(s.value_json -> 'name') = 'string' THEN s.value_json ->> 'name' END AS name
                          FROM @settings@ s
                         WHERE s.module = 'integrations' AND s.key = s.uuid::text
                        -- Fenced, so the window sort carries these few columns and not every value_json.
                        OFFSET 0) t
                WINDOW same AS (PARTITION BY t.provider, t.name)
                -- Not fenced: a subquery with window functions is never merged into the query
                -- above, so row_number() and plain_key are computed once per row already.
               ) k
        -- Fenced: the lookup is made once per row, not once per use above.
        OFFSET 0) r
