-- V114 down, the summary of its plan: every blocker of the pre-flight with its rows (the first
-- 50, the detail limit), over the plan's rows as a relation named planned (v114_down_plan.sql),
-- which the statement around it provides: the pre-flight (v114_down_preflight.sql) and the
-- run's one statement (v114_down_apply.sql), so a run computes the plan once. Read-only.
-- Judged by the rebuilt keys themselves, so a missing or deferrable unique constraint, or a
-- column that drops trailing spaces, changes nothing about what is refused. One pass over the
-- plan for the counts; the lookups only for the keys that can collide: a suffixed key. A key
-- that is not suffixed is the first of its (provider, name) — the composite key of a provider
-- without ':' belongs to that pair alone — and no row holds it (the plan looked it up).
--   $1  the largest number of characters the key column holds (NULL: unlimited)
WITH checked AS (
    SELECT p.uuid, p.new_key,
           (SELECT min(o.uuid::text) FROM @settings@ o WHERE o.key = p.new_key) AS holder,
           count(*) OVER (PARTITION BY p.new_key) AS planned_twice
      FROM planned p
     WHERE p.new_key IN (SELECT s.new_key FROM planned s WHERE s.suffix_reason IS NOT NULL)
), counted AS (
    SELECT count(*) AS rows,
           count(*) FILTER (WHERE new_key IS NOT NULL AND suffix_reason IS NOT NULL) AS suffixed,
           count(*) FILTER (WHERE NOT COALESCE(provider <> '' AND name <> '', false)) AS unusable,
           (array_agg(format('uuid %s: provider is %s, name is %s', uuid,
                             CASE WHEN provider IS NOT NULL THEN quote_literal(provider) ELSE COALESCE('a JSON ' || p_type, 'missing') END,
                             CASE WHEN name IS NOT NULL THEN quote_literal(name) ELSE COALESCE('a JSON ' || n_type, 'missing') END)
                      ORDER BY uuid) FILTER (WHERE NOT COALESCE(provider <> '' AND name <> '', false)))[1:50] AS unusable_rows,
           count(*) FILTER (WHERE provider <> '' AND name <> '' AND strpos(provider, ':') > 0) AS colon_provider,
           (array_agg(format('uuid %s: provider %s', uuid, quote_literal(provider)) ORDER BY uuid)
                FILTER (WHERE provider <> '' AND name <> '' AND strpos(provider, ':') > 0))[1:50] AS colon_provider_rows,
           count(*) FILTER (WHERE char_length(new_key) > $1) AS too_long,
           (array_agg(format('uuid %s: key %s (%s characters)', uuid, left(new_key, 80) || CASE WHEN char_length(new_key) > 80 THEN '…' ELSE '' END,
                             char_length(new_key)) ORDER BY uuid) FILTER (WHERE char_length(new_key) > $1))[1:50] AS too_long_rows
      FROM planned
)
SELECT c.*,
       (SELECT count(*) FROM checked WHERE holder IS NOT NULL OR planned_twice > 1) AS colliding,
       (SELECT (array_agg(format('uuid %s: key %s %s', uuid, new_key,
                                 CASE WHEN holder IS NOT NULL THEN 'is held by the row with uuid ' || holder
                                      ELSE 'is planned for ' || planned_twice || ' rows' END) ORDER BY new_key, uuid))[1:50]
          FROM checked WHERE holder IS NOT NULL OR planned_twice > 1) AS colliding_rows
  FROM counted c
