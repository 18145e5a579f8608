-- The one "nothing changed" fingerprint of every test layer:
--   pg_temp.pk_fingerprint(schema) → md5 over everything a migration could change in `schema`:
--   every row of every table (in a stable order), every column (not dropped ones: V107 up then
--   down leaves one behind, as any DROP COLUMN does), index, constraint, trigger, policy and
--   rule, and the version comment on phoenix_kit. Equal before and after a call means the
--   call changed nothing.
-- Loaded by the #[pg_test]s (src/test_support.rs), the psql-level suite
-- (tests/regress/helpers.sql) and the reliability suite (tests/reliability/lib.sh, lib.sql).
-- PL/pgSQL for the per-table reads: query_to_xml would do them in one plain SELECT, but the
-- only PostgreSQL 13 build the matrix has is built without XML support.
CREATE OR REPLACE FUNCTION pg_temp.pk_fingerprint(schema text)
RETURNS text
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  rel record;
  part text;
  parts text[] := '{}';
BEGIN
  FOR rel IN
    SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = schema AND c.relkind IN ('r', 'p') ORDER BY c.relname
  LOOP
    EXECUTE format('SELECT md5(COALESCE(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) FROM ONLY %I.%I t', schema, rel.relname)
      INTO part;
    parts := parts || format('rows %s %s', rel.relname, part);
  END LOOP;
  SELECT parts || COALESCE(array_agg(line ORDER BY line), '{}') INTO parts
    FROM (SELECT format('rel %s %s', c.relname, c.relkind) AS line
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = schema
          UNION ALL
          SELECT format('col %s.%s %s %s %s', c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                        a.attnotnull, COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid), ''))
            FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE n.nspname = schema AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          UNION ALL
          SELECT format('idx %s', i.indexdef) FROM pg_catalog.pg_indexes i WHERE i.schemaname = schema
          UNION ALL
          SELECT format('con %s %s', k.conname, pg_catalog.pg_get_constraintdef(k.oid))
            FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace
           WHERE n.nspname = schema
          UNION ALL
          SELECT format('trg %s', pg_catalog.pg_get_triggerdef(g.oid))
            FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = schema AND NOT g.tgisinternal
          UNION ALL
          SELECT format('pol %s.%s %s', p.tablename, p.policyname, p.qual) FROM pg_catalog.pg_policies p WHERE p.schemaname = schema
          UNION ALL
          SELECT format('rule %s', r.definition) FROM pg_catalog.pg_rules r WHERE r.schemaname = schema
          UNION ALL
          SELECT format('version %s', COALESCE(pg_catalog.obj_description(c.oid, 'pg_class'), '<no comment>'))
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = schema AND c.relname = 'phoenix_kit') lines;
  RETURN md5(array_to_string(parts, E'\n'));
END
$fn$;
