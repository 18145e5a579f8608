-- V114 up, the plan: one row per integration row of the settings table, with the values the
-- rewrite gives it and every reason it cannot. Read-only. The summary (v114_up_preflight.sql),
-- the rewrite (v114_up_apply*.sql) and the per-row preview all read this one query.
--   settings (hole): the settings table, schema-qualified and quoted
--   phoenix_kit_mig_internal  the extension's internal schema, quoted
-- Helper calls pass arguments of exactly the declared types (::text) so that no function of
-- the same name with a closer signature can be chosen instead.
SELECT j.row_id, j.uuid, j.key, j.module, j.value_json, j.vj_type, j.p_type, j.n_type, j.jp, j.jn,
       j.bad_shape, j.bad_fields, j.new_provider, j.new_name,
       (j.uuid)::text AS new_key,
       'integrations'::text AS new_module,
       -- Where provider and name stay as they are, value_json is kept as it was.
       CASE WHEN j.jp <> '' AND strpos(j.jp, ':') = 0 AND j.jn <> '' THEN j.value_json
            ELSE COALESCE(NULLIF(j.value_json, 'null'::jsonb), '{}'::jsonb)
                 || jsonb_build_object('provider', j.new_provider, 'name', j.new_name) END AS new_value_json,
       (j.jp IS NULL OR j.jp = '') AS provider_filled,
       (j.jp <> '' AND j.new_provider IS DISTINCT FROM j.jp) AS provider_repaired,
       (j.jn IS NULL OR j.jn = '') AS name_filled,
       (j.module IS DISTINCT FROM 'integrations') AS module_set
  FROM (SELECT c.*,
               -- A non-empty JSON provider without ':' is kept by the rule as it is; only the
               -- others need the call.
               CASE WHEN c.bad_shape OR c.bad_fields THEN NULL
                    WHEN c.jp IS NULL OR c.jp = '' OR strpos(c.jp, ':') > 0
                    THEN phoenix_kit_mig_internal.pk_v114_provider(c.key::text, c.jp::text) ELSE c.jp END AS new_provider,
               CASE WHEN c.bad_shape OR c.bad_fields THEN NULL
                    WHEN c.jn <> '' THEN c.jn ELSE phoenix_kit_mig_internal.pk_v114_name(c.key::text, c.jn::text) END AS new_name
          FROM (SELECT b.*,
                       COALESCE(b.vj_type NOT IN ('object', 'null'), false) AS bad_shape,
                       COALESCE(b.vj_type = 'object' AND (COALESCE(b.p_type NOT IN ('string', 'null'), false)
                                                       OR COALESCE(b.n_type NOT IN ('string', 'null'), false)), false) AS bad_fields,
                       CASE WHEN b.p_type = 'string' THEN b.pv #>> '{}' END AS jp,
                       CASE WHEN b.n_type = 'string' THEN b.nv #>> '{}' END AS jn
                  FROM (SELECT s.ctid AS row_id, s.uuid, s.key::text AS key, s.module::text AS module, s.value_json,
                               jsonb_typeof(s.value_json) AS vj_type,
                               x.pv, x.nv, jsonb_typeof(x.pv) AS p_type, jsonb_typeof(x.nv) AS n_type
                          FROM @settings@ s,
                               LATERAL (SELECT s.value_json -> 'provider' AS pv, s.value_json -> 'name' AS nv OFFSET 0) x
                         WHERE s.key LIKE 'integration:%'
                        -- The OFFSET 0 fences keep the planner from copying these per-row
                        -- expressions into every use above: each happens once per row.
                        OFFSET 0) b
                OFFSET 0) c
        OFFSET 0) j
