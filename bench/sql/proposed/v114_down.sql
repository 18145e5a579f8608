-- (D) PROPOSED v114_down: pk_migrate_v114_down's work with the fixes proposed in
-- bench/README.md ("Findings"), as plain SQL on the extension's helper functions.
-- Same keys and report (rows_rewritten, suffixed); differences:
--   * no separate pre-flight pass on the happy path: the rewrite runs in a subtransaction
--     (SAVEPOINT here; BeginInternalSubTransaction in Rust) and every blocker of docs/behaviour.md §7
--     makes that one statement fail -- an unusable provider/name gives a NULL key (23502), a
--     key longer than the column 22001, any collision 23505 on phoenix_kit_settings_key_uidx.
--     Only then is the subtransaction rolled back and the existing read-only plan_down query
--     run to list every offending row, and raised. Nothing is changed either way;
--   * the targets are fenced (OFFSET 0) so the window sort carries (uuid, date_added,
--     provider, name) and not every value_json: src's inlined CTE sorted 467 MB on disk;
--   * the plain-key test is a hash anti-join against the rows still keyed integration:…
--     (the only ones that can hold a plain key; usually none), not a probe per row (src ran
--     that probe three times per row before 8c09daf, once since);
--   * the rewrite joins back by ctid, in ctid order (a TID scan per row, pages in order)
--     instead of one primary-key probe per row in (provider, name) order: that random heap
--     access is most of upstream's and the extension's UPDATE time (the row estimate of
--     key = uuid::text is 0.5%, so the planner picks the nested loop). The lock taken first
--     (SHARE ROW EXCLUSIVE) keeps every ctid stable;
--     With enable_nestloop = off (sql/finalize.sql since 55d01d3) the planner would hash or
--     sort the whole table instead, so the call switches it on for this one statement
--     (set_config('enable_nestloop', 'on', true) -- scoped to the call by the function's SET
--     clause): a TID lookup per planned row is linear whatever the statistics say;
--   * jit off for the function.
SET LOCAL enable_nestloop = off;
SET LOCAL jit = off;
LOCK TABLE public.phoenix_kit_settings IN SHARE ROW EXCLUSIVE MODE;
SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relname = 'phoenix_kit';
SAVEPOINT rewrite;
SET LOCAL enable_nestloop = on;
WITH targets AS (
    SELECT s.ctid AS row_id, s.uuid, s.date_added,
           CASE WHEN jsonb_typeof(s.value_json -> 'provider') = 'string' THEN s.value_json ->> 'provider' END AS provider,
           CASE WHEN jsonb_typeof(s.value_json -> 'name') = 'string' THEN s.value_json ->> 'name' END AS name
      FROM public.phoenix_kit_settings s
     WHERE s.module = 'integrations' AND s.key = s.uuid::text
    OFFSET 0
), ranked AS (
    SELECT t.row_id, t.uuid, t.provider, t.name,
           row_number() OVER (PARTITION BY t.provider, t.name ORDER BY t.date_added ASC NULLS LAST, t.uuid ASC) AS rn,
           public.pk_v114_composite_key(NULLIF(t.provider, ''), NULLIF(t.name, ''), NULL) AS plain_key
      FROM targets t
    OFFSET 0
), planned AS (
    -- Only rows still keyed integration:… can hold a plain key (the rows being rewritten hold
    -- uuid texts): usually none, found by a range scan of the V93 index and hashed, instead
    -- of one index probe per rewritten row in (provider, name) order.
    SELECT r.row_id, r.uuid, r.plain_key,
           CASE WHEN r.plain_key IS NULL THEN NULL
                WHEN r.rn = 1 AND o.key IS NULL THEN r.plain_key
                ELSE public.pk_v114_composite_key(r.provider, r.name, r.uuid) END AS new_key
      FROM ranked r
      LEFT JOIN (SELECT k.key::text AS key FROM public.phoenix_kit_settings k WHERE k.key LIKE 'integration:%') o
             ON o.key = r.plain_key
    ORDER BY r.row_id
), rewritten AS (
    UPDATE public.phoenix_kit_settings s SET key = p.new_key
      FROM planned p
     WHERE s.ctid = p.row_id
 RETURNING s.uuid, s.key, s.key <> p.plain_key AS suffixed
)
SELECT count(*),
       COALESCE(jsonb_agg(jsonb_build_object('uuid', uuid, 'key', key) ORDER BY key) FILTER (WHERE suffixed), '[]'::jsonb)
  FROM rewritten;
RELEASE SAVEPOINT rewrite;
SET LOCAL enable_nestloop = off;
COMMENT ON TABLE public.phoenix_kit IS '113';
