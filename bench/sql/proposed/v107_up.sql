-- (D) PROPOSED v107_up: pk_migrate_v107_up's statements with the fixes proposed in
-- bench/README.md ("Findings"), as plain SQL on the extension's helper functions.
-- Same pins, counts and report as src/v107.rs; differences:
--   * duplicate names: the unique lower(name) index is built inside a subtransaction
--     (SAVEPOINT here; BeginInternalSubTransaction in Rust) and only when its build fails
--     with 23505 is the listing query of every duplicate group run (then raised; the error
--     rolls everything back, so the database is unchanged as before). The separate
--     GROUP BY lower(name) pass (an external sort at work_mem 4MB) is gone from the happy path;
--   * candidates: provider by split_part on rows already filtered by LIKE 'integration:%:%'
--     (no Rust call per settings row in the scan);
--   * each endpoint's rule is computed once (OFFSET 0), and the exact-key and by-uuid lookups
--     are scalar subqueries run only for the endpoints of that rule (see below);
--   * the UPDATE joins back by ctid instead of through the primary key;
--   * jit off for the function.
SET LOCAL enable_nestloop = off;   -- as in sql/finalize.sql since 55d01d3
SET LOCAL jit = off;
LOCK TABLE public.phoenix_kit_ai_endpoints IN ACCESS EXCLUSIVE MODE;
LOCK TABLE public.phoenix_kit_settings IN SHARE MODE;
SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relname = 'phoenix_kit';
-- the same-named-index and column-type checks of preflight_up (catalog lookups, unchanged)
SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relname = 'phoenix_kit_ai_endpoints_name_index';
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'public.phoenix_kit_ai_endpoints'::regclass AND attname = 'integration_uuid' AND NOT attisdropped;
ALTER TABLE public.phoenix_kit_ai_endpoints ADD COLUMN integration_uuid uuid;
WITH latest AS (
    SELECT DISTINCT ON (c.provider) c.provider, c.uuid
      FROM (SELECT s.uuid, split_part(s.key, ':', 2) AS provider,
                   CASE WHEN jsonb_typeof(s.value_json -> 'last_validated_at') = 'string'
                        THEN public.pk_timestamp_micros(s.value_json ->> 'last_validated_at') END AS validated_at
              FROM public.phoenix_kit_settings s
             WHERE s.key LIKE 'integration:%:%' AND split_part(s.key, ':', 2) <> '') c
     ORDER BY c.provider, c.validated_at DESC NULLS LAST, c.uuid ASC
), classified AS (
    SELECT e.ctid AS row_id, e.provider,
           CASE WHEN strpos(e.provider, ':') > 0 THEN 'exact'
                WHEN public.pk_text_to_uuid(e.provider) IS NOT NULL THEN 'uuid'
                WHEN e.provider <> '' THEN 'latest' END AS rule
      FROM public.phoenix_kit_ai_endpoints e
     WHERE e.integration_uuid IS NULL
    OFFSET 0
), resolved AS (
    -- exact and by-uuid: scalar subqueries, i.e. one index probe for each endpoint of that
    -- rule only. As LEFT JOINs under enable_nestloop = off they hash the whole settings table
    -- twice (10^6 and 8*10^5 rows, 16 and 8 batches at work_mem 4MB), ~0.7 s at 10^6.
    SELECT c.row_id, c.rule,
           CASE c.rule
             WHEN 'exact' THEN (SELECT s.uuid FROM public.phoenix_kit_settings s WHERE s.key = 'integration:' || c.provider)
             WHEN 'uuid' THEN (SELECT s.uuid FROM public.phoenix_kit_settings s
                                WHERE s.uuid = public.pk_text_to_uuid(c.provider::text) AND s.key LIKE 'integration:%')
             WHEN 'latest' THEN l.uuid END AS integration
      FROM classified c
      LEFT JOIN latest l ON l.provider = CASE WHEN c.rule = 'latest' THEN c.provider::text END
    -- Fenced: referenced once, this CTE would be inlined into the UPDATE, whose filter
    -- (integration IS NOT NULL) and SET would each run the scalar subqueries: two index
    -- probes per exact endpoint instead of one (~0.25 s at 10^5 endpoints).
    OFFSET 0
), pinned AS (
    UPDATE public.phoenix_kit_ai_endpoints e SET integration_uuid = r.integration
      FROM resolved r
     WHERE e.ctid = r.row_id AND r.integration IS NOT NULL
 RETURNING r.rule
)
SELECT count(*) FILTER (WHERE rule = 'exact'),
       count(*) FILTER (WHERE rule = 'latest'),
       count(*) FILTER (WHERE rule = 'uuid')
  FROM pinned;
CREATE INDEX phoenix_kit_ai_endpoints_integration_uuid_index ON public.phoenix_kit_ai_endpoints (integration_uuid);
SAVEPOINT name_index;
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON public.phoenix_kit_ai_endpoints (lower((name)::text));
RELEASE SAVEPOINT name_index;
SELECT COALESCE(jsonb_agg(jsonb_build_object('uuid', uuid, 'name', name, 'provider', provider) ORDER BY name, uuid), '[]')
  FROM public.phoenix_kit_ai_endpoints WHERE integration_uuid IS NULL;
COMMENT ON TABLE public.phoenix_kit IS '107';
