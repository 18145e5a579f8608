-- The text of the rows a migration changes, for the size of pk_migration_script's script
-- (bench.sh runs it on G's copy after the timed generation: the copy is still as before the
-- migration). Prints "rows|bytes": how many rows, and the sum of octet_length(row_to_json(t)::text)
-- over them (the whole row as JSON text, every column).
--   v114_up    settings rows keyed integration:…
--   v114_down  settings rows with module 'integrations' keyed by their own uuid
--   v107_up    endpoints the plan pins (pk_migration_plan('v107_up') action 'pin')
--   v107_down  endpoints with a non-NULL integration_uuid
-- Variable: bench_migration.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
SELECT :'bench_migration' = 'v114_up' AS is_v114_up, :'bench_migration' = 'v114_down' AS is_v114_down,
       :'bench_migration' = 'v107_up' AS is_v107_up \gset
\if :is_v114_up
SELECT count(*) || '|' || COALESCE(sum(octet_length(row_to_json(t)::text)), 0)
  FROM public.phoenix_kit_settings t WHERE t.key LIKE 'integration:%';
\elif :is_v114_down
SELECT count(*) || '|' || COALESCE(sum(octet_length(row_to_json(t)::text)), 0)
  FROM public.phoenix_kit_settings t WHERE t.module = 'integrations' AND t.key = t.uuid::text;
\elif :is_v107_up
SELECT count(*) || '|' || COALESCE(sum(octet_length(row_to_json(t)::text)), 0)
  FROM public.phoenix_kit_ai_endpoints t
 WHERE t.uuid IN (SELECT p.row_uuid FROM pk_migration_plan('v107_up', 'public') p
                   WHERE p.action = 'pin' AND p.relation LIKE '%phoenix_kit_ai_endpoints%');
\else
SELECT count(*) || '|' || COALESCE(sum(octet_length(row_to_json(t)::text)), 0)
  FROM public.phoenix_kit_ai_endpoints t WHERE to_jsonb(t) ->> 'integration_uuid' IS NOT NULL;
\endif
