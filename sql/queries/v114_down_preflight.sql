-- V114 down, the summary of its plan (v114_down_plan.sql): every blocker of the pre-flight with
-- its rows (the first 50, the detail limit). Read-only. Judged by the rebuilt keys themselves, so a
-- missing or deferrable unique constraint, or a column that drops trailing spaces, changes
-- nothing about what is refused.
--   $1  the largest number of characters the key column holds (NULL: unlimited)
WITH planned AS (
    @plan@
), checked AS (
    SELECT p.uuid, p.new_key,
           COALESCE(char_length(p.new_key) > $1, false) AS too_long,
           (SELECT min(o.uuid::text) FROM @settings@ o WHERE o.key = p.new_key) AS holder,
           count(*) OVER (PARTITION BY p.new_key) AS planned_twice
      FROM planned p
     WHERE p.new_key IS NOT NULL
)
SELECT (SELECT count(*) FROM planned) AS rows,
       (SELECT count(*) FROM planned WHERE new_key IS NOT NULL AND suffix_reason IS NOT NULL) AS suffixed,
       (SELECT count(*) FROM planned WHERE NOT COALESCE(provider <> '' AND name <> '', false)) AS unusable,
       (SELECT (array_agg(format('uuid %s: provider is %s, name is %s', uuid,
                                 CASE WHEN provider IS NOT NULL THEN quote_literal(provider) ELSE COALESCE('a JSON ' || p_type, 'missing') END,
                                 CASE WHEN name IS NOT NULL THEN quote_literal(name) ELSE COALESCE('a JSON ' || n_type, 'missing') END)
                          ORDER BY uuid))[1:50]
          FROM planned WHERE NOT COALESCE(provider <> '' AND name <> '', false)) AS unusable_rows,
       (SELECT count(*) FROM planned WHERE provider <> '' AND name <> '' AND strpos(provider, ':') > 0) AS colon_provider,
       (SELECT (array_agg(format('uuid %s: provider %s', uuid, quote_literal(provider)) ORDER BY uuid))[1:50]
          FROM planned WHERE provider <> '' AND name <> '' AND strpos(provider, ':') > 0) AS colon_provider_rows,
       (SELECT count(*) FROM checked WHERE too_long) AS too_long,
       (SELECT (array_agg(format('uuid %s: key %s (%s characters)', uuid, left(new_key, 80) || CASE WHEN char_length(new_key) > 80 THEN '…' ELSE '' END,
                                 char_length(new_key)) ORDER BY uuid))[1:50]
          FROM checked WHERE too_long) AS too_long_rows,
       (SELECT count(*) FROM checked WHERE holder IS NOT NULL OR planned_twice > 1) AS colliding,
       (SELECT (array_agg(format('uuid %s: key %s %s', uuid, new_key,
                                 CASE WHEN holder IS NOT NULL THEN 'is held by the row with uuid ' || holder
                                      ELSE 'is planned for ' || planned_twice || ' rows' END) ORDER BY new_key, uuid))[1:50]
          FROM checked WHERE holder IS NOT NULL OR planned_twice > 1) AS colliding_rows
