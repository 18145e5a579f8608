-- The fingerprint of one schema, read-only (no temporary objects: works on a hot standby):
--   psql -v schema=NAME -At -f tests/reliability/fingerprint.sql
-- One "part=md5" line per part, the same parts as lib.sql's rel_fp:
--   rows:<table>   every row of every table (ordered by its text form)
--   columns        every visible column: table, name, type, NOT NULL, default
--   indexes        pg_indexes.indexdef of every index
--   constraints    every constraint with its definition
--   comment        the version comment of <schema>.phoenix_kit (verbatim)
SELECT format($q$SELECT %L || '=' || md5(COALESCE(string_agg(r::text, E'\n' ORDER BY r::text), '')) FROM %I.%I r$q$,
              'rows:' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :'schema' AND c.relkind = 'r'
 ORDER BY c.relname
\gexec
SELECT 'columns=' || md5(COALESCE(string_agg(format('%s.%s %s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                                                    CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                                                    COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')),
                                             E'\n' ORDER BY c.relname, a.attnum), ''))
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname = :'schema' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped;
SELECT 'indexes=' || md5(COALESCE(string_agg(i.indexdef, E'\n' ORDER BY i.indexname), '')) FROM pg_indexes i WHERE i.schemaname = :'schema';
SELECT 'constraints=' || md5(COALESCE(string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), E'\n' ORDER BY co.conname), ''))
  FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = :'schema';
SELECT 'comment=' || COALESCE((SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = :'schema' AND c.relname = 'phoenix_kit'), '<none>');
