-- The one "nothing changed" fingerprint every test layer uses (the #[pg_test]s include this
-- file, the psql-level suite and the reliability suite \i it).
--
--   pg_temp.pk_fingerprint(schema) → md5 over everything a migration could change in `schema`:
--     every row of every table of the schema (as text, in a stable order), every column
--     (dropped ones included), index, constraint, trigger, policy and rule, and the version
--     comment on phoenix_kit. Equal before and after a call means the call changed nothing.
CREATE OR REPLACE FUNCTION pg_temp.pk_fingerprint(schema text)
RETURNS text
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  rel   record;
  parts text := '';
  rows_text text;
BEGIN
  FOR rel IN
    SELECT c.oid, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = schema AND c.relkind IN ('r', 'p') ORDER BY c.relname
  LOOP
    EXECUTE format('SELECT string_agg(t::text, E''\n'' ORDER BY t::text) FROM ONLY %I.%I t', schema, rel.relname)
      INTO rows_text;
    parts := parts || '|rows ' || rel.relname || ':' || coalesce(rows_text, '<none>');
  END LOOP;
  SELECT parts || '|catalog:' || coalesce(string_agg(line, E'\n' ORDER BY line), '')
    INTO parts
    FROM (SELECT format('rel %s %s', c.relname, c.relkind) AS line
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = schema
          UNION ALL
          SELECT format('col %s.%s %s %s %s %s', c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attisdropped)
            FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = schema AND c.relkind IN ('r', 'p') AND a.attnum > 0
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
          SELECT format('version %s', coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), '<no comment>'))
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = schema AND c.relname = 'phoenix_kit') lines;
  RETURN md5(parts);
END
$fn$;
