-- (D) PROPOSED v114_up: what pk_migrate_v114_up would run with the fixes proposed in
-- bench/README.md ("Findings"), written out as plain SQL on the extension's own helper
-- functions, statement for statement (lock, version read, pre-flight, rewrite, stamp).
-- Same checks and report counts as src/v114.rs's plan_up + up; differences:
--   * no LEFT JOIN of the whole table to itself to find rows already holding a uuid key:
--     only lowercase uuid-shaped keys can, and two index-only range scans of the V93
--     text_pattern_ops index ('0'…'9', 'a'…'f'; integration keys start with 'i') find them;
--   * every per-row value (jsonb lookups, pk_v114_provider) is computed once: the OFFSET 0
--     fences keep the planner from copying the expressions into each FILTER; and
--     pk_v114_provider is called only where it can differ from the JSON provider (missing,
--     empty, or containing ':'), which is the core rule (core/src/v114.rs) unchanged;
--   * jit off for the function (proconfig), so the pre-flight's high cost estimate does not
--     buy ~0.8 s of LLVM inlining/optimisation (and ~30 MB of backend memory);
--   * the UPDATE leaves value_json as it is where the merge would not change it (below).
-- The function's own settings (proconfig; SET LOCAL here lasts to the end of this
-- transaction, which is what the function's SET clause scopes to the call): enable_nestloop
-- off as in sql/finalize.sql since 55d01d3, plus jit off (proposed).
SET LOCAL enable_nestloop = off;
SET LOCAL jit = off;
LOCK TABLE public.phoenix_kit_settings IN SHARE ROW EXCLUSIVE MODE;
SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relname = 'phoenix_kit';
SELECT count(*),
       count(*) FILTER (WHERE jp IS NULL OR jp = ''),
       count(*) FILTER (WHERE jp <> '' AND new_provider IS DISTINCT FROM jp),
       count(*) FILTER (WHERE jn IS NULL OR jn = ''),
       count(*) FILTER (WHERE module IS DISTINCT FROM 'integrations'),
       count(*) FILTER (WHERE bad_shape),
       (array_agg(format('uuid %s, key %s: value_json is a JSON %s', uuid, key, vj_type) ORDER BY key) FILTER (WHERE bad_shape))[1:50],
       count(*) FILTER (WHERE bad_fields),
       (array_agg(format('uuid %s, key %s: provider is %s, name is %s', uuid, key,
                         COALESCE('a JSON ' || p_type, 'missing'), COALESCE('a JSON ' || n_type, 'missing')) ORDER BY key)
            FILTER (WHERE bad_fields))[1:50],
       count(*) FILTER (WHERE new_provider IS NULL AND NOT bad_shape AND NOT bad_fields),
       (array_agg(format('uuid %s, key %s', uuid, key) ORDER BY key)
            FILTER (WHERE new_provider IS NULL AND NOT bad_shape AND NOT bad_fields))[1:50]
  FROM (SELECT j.*, CASE WHEN j.jp IS NULL OR j.jp = '' OR strpos(j.jp, ':') > 0
                         THEN public.pk_v114_provider(j.key, j.jp) ELSE j.jp END AS new_provider
          FROM (SELECT c.uuid, c.key, c.module, c.vj_type, c.p_type, c.n_type,
                       COALESCE(c.vj_type NOT IN ('object', 'null'), false) AS bad_shape,
                       COALESCE(c.vj_type = 'object' AND (COALESCE(c.p_type NOT IN ('string', 'null'), false)
                                                       OR COALESCE(c.n_type NOT IN ('string', 'null'), false)), false) AS bad_fields,
                       CASE WHEN c.p_type = 'string' THEN c.pv #>> '{}' END AS jp,
                       CASE WHEN c.n_type = 'string' THEN c.nv #>> '{}' END AS jn
                  FROM (SELECT s.uuid, s.key, s.module, jsonb_typeof(s.value_json) AS vj_type,
                               x.pv, x.nv, jsonb_typeof(x.pv) AS p_type, jsonb_typeof(x.nv) AS n_type
                          FROM public.phoenix_kit_settings s,
                               LATERAL (SELECT s.value_json -> 'provider' AS pv, s.value_json -> 'name' AS nv OFFSET 0) x
                         WHERE s.key LIKE 'integration:%'
                        OFFSET 0) c
                OFFSET 0) j
        OFFSET 0) planned;
-- Rows already holding a uuid key. The lookups are scalar subqueries (index probes as
-- SubPlans, which enable_nestloop does not touch and stale statistics cannot make quadratic):
-- as joins, enable_nestloop = off turns them into hashes of the whole table.
SELECT count(*),
       (array_agg(format('uuid %s, key %s: key %s is held by the row with uuid %s', row_uuid,
                         (SELECT s.key FROM public.phoenix_kit_settings s WHERE s.uuid = x.row_uuid), row_uuid,
                         (SELECT h.uuid FROM public.phoenix_kit_settings h WHERE h.key = x.key)) ORDER BY row_uuid))[1:50]
  FROM (SELECT uk.key,
               (SELECT s.uuid FROM public.phoenix_kit_settings s WHERE s.uuid = uk.key::uuid AND s.key LIKE 'integration:%') AS row_uuid
          FROM (SELECT k.key FROM public.phoenix_kit_settings k
                 WHERE k.key ~>=~ '0' AND k.key ~<~ ':' AND k.key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                UNION ALL
                SELECT k.key FROM public.phoenix_kit_settings k
                 WHERE k.key ~>=~ 'a' AND k.key ~<~ 'g' AND k.key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') uk) x
 WHERE x.row_uuid IS NOT NULL;
-- value_json is rebuilt only where provider or name change: when both are already non-empty
-- strings and the provider has no ':' (so it cannot be a composite copy), the merge would
-- produce the identical jsonb (jsonb is canonical) and its cost -- a full re-serialisation of
-- every ~0.5 kB object -- is skipped. The pre-flight has ruled out non-string values.
UPDATE public.phoenix_kit_settings s
   SET key = s.uuid::text,
       module = 'integrations',
       value_json = CASE WHEN (s.value_json ->> 'provider') <> '' AND strpos(s.value_json ->> 'provider', ':') = 0
                              AND (s.value_json ->> 'name') <> ''
                         THEN s.value_json
                         ELSE COALESCE(NULLIF(s.value_json, 'null'::jsonb), '{}'::jsonb)
                              || jsonb_build_object('provider', public.pk_v114_provider(s.key, s.value_json ->> 'provider'),
                                                    'name', public.pk_v114_name(s.key, s.value_json ->> 'name')) END
 WHERE s.key LIKE 'integration:%';
COMMENT ON TABLE public.phoenix_kit IS '114';
