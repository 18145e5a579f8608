-- Everything the runner needs to know about the schema and its three tables, in one read:
-- (Arrays are ordered by name, not by column number: a migration script (section 13) compares these
-- facts between a restored copy and the database it was dumped from.)
-- what each relation is (section 11.1), its columns, the caller's privileges (section 11.7) and whether
-- row-level security applies to the caller (section 11.2), its unique indexes and triggers. A run
-- reads it under its locks (what the run then relies on cannot change any more), and when a
-- lock is busy also before waiting for it (to refuse early, without waiting). Read-only;
-- relations are looked up by name and judged by oid, so nothing here needs USAGE on the schema.
--   schema_literal (hole): the schema name, as a quoted literal
-- No parameters: the statement is planned once per backend and schema (src/target.rs) and every
-- read, like later runs, reuses that plan; with parameters every execution would be
-- planned again (PostgreSQL's custom plans), and planning is most of this statement's cost.
SELECT t.name AS table_name,
       c.oid IS NOT NULL AS present,
       c.relkind::text AS relkind,
       COALESCE(c.relispartition OR EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid), false) AS has_parent,
       COALESCE(EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid), false) AS has_children,
       (SELECT pg_catalog.array_agg(r.rulename::text ORDER BY r.rulename) FROM pg_catalog.pg_rewrite r
         WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN') AS rules,
       att.columns, att.key_max, att.module_max,
       COALESCE(pg_catalog.has_table_privilege(c.oid, 'SELECT'), false) AS can_select,
       COALESCE(pg_catalog.has_table_privilege(c.oid, 'UPDATE'), false) AS can_update,
       COALESCE(pg_catalog.has_table_privilege(c.oid, 'UPDATE, DELETE, TRUNCATE'), false) AS can_lock_share,
       COALESCE(pg_catalog.pg_has_role(c.relowner, 'USAGE'), false) AS is_owner,
       COALESCE(pg_catalog.has_schema_privilege(c.relnamespace, 'CREATE'), false) AS can_create_in_schema,
       COALESCE(c.relkind IN ('r', 'p') AND pg_catalog.row_security_active(c.oid), false) AS rls_active,
       -- A valid, immediate, non-partial unique index on exactly that column rules duplicates
       -- out at every moment; a deferrable one does not.
       COALESCE(ix.uuid_unique, false) AS uuid_unique, COALESCE(ix.key_unique, false) AS key_unique,
       -- Code of the table's users that an UPDATE runs: triggers (not PostgreSQL's own for
       -- constraints) that fire on UPDATE; functions or operators of theirs in a CHECK or
       -- exclusion constraint, an index expression or predicate, or a generated column's
       -- expression; an index whose operator class or access method is theirs; and a column
       -- of a type of theirs (a domain's CHECK, a range type's subtype_diff that GiST calls,
       -- an extension's type) - any of these can write rows while the UPDATE runs. Objects of
       -- PostgreSQL itself have oids below 16384 (FirstNormalObjectId).
       (COALESCE(trg.on_update OR ix.user_opclass OR att.user_types, false)
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass)
                      AND d.refobjid >= 16384
                      AND ((d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
                            AND d.objid IN (SELECT k.oid FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('c', 'x')))
                        OR (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                            AND d.objid IN (SELECT i.indexrelid FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid))
                        OR (d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                            AND d.objid IN (SELECT ad.oid FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_attribute ga
                                                ON ga.attrelid = ad.adrelid AND ga.attnum = ad.adnum
                                             WHERE ad.adrelid = c.oid AND ga.attgenerated <> ''))))) AS user_code_on_update,
       rare.user_opclasses,
       -- Index columns that compare with a nondeterministic collation (the index's own, which
       -- need not be the column's): "column<TAB>collation<TAB>index".
       rare.index_collations,
       -- CHECK and exclusion constraints and unique indexes, with each column they involve:
       -- "column<TAB>description<TAB>kind", kind 'plain_unique' for a unique index on that one
       -- column alone, without expression or predicate.
       -- (Sorted in the C collation: a migration script compares these between a copy and the
       -- database it was dumped from, whose collations may differ.)
       (SELECT pg_catalog.array_agg(DISTINCT (a.attname::text || E'\t' || x.descr || E'\t' || x.kind) COLLATE pg_catalog."C")
          FROM (SELECT pg_catalog.format('%s constraint %s', CASE k.contype WHEN 'c' THEN 'check' ELSE 'exclusion' END,
                                         pg_catalog.quote_ident(k.conname)) AS descr, 'constraint' AS kind,
                       -- An exclusion constraint's expressions (conkey 0) depend on the columns
                       -- they read through its index, as a unique index's do.
                       k.conkey || ARRAY(SELECT d.refobjsubid::pg_catalog.int2 FROM pg_catalog.pg_depend d
                                          WHERE k.contype = 'x' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = k.conindid
                                            AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid AND d.refobjsubid > 0) AS cols
                  FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('c', 'x')
                UNION ALL
                SELECT pg_catalog.format('unique index %s', pg_catalog.quote_ident(ic.relname)),
                       CASE WHEN i.indnatts = 1 AND i.indexprs IS NULL AND i.indpred IS NULL THEN 'plain_unique' ELSE 'unique' END,
                       ARRAY(SELECT d.refobjsubid FROM pg_catalog.pg_depend d
                              WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = i.indexrelid
                                AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid AND d.refobjsubid > 0)
                  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                 WHERE i.indrelid = c.oid AND i.indisunique) x
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (x.cols)) AS constraints,
       -- Every enabled trigger of the table's users, by name: named in the HINT of a verify
       -- step that finds a row changed beyond the plan.
       trg.user_triggers,
       rare.foreign_keys,
       -- Columns with a nondeterministic collation: "column<TAB>collation".
       att.nondeterministic,
       rare.generated_from,
       -- Whether catalog_rare.sql can find anything for this table: a foreign key on either side
       -- (asked of pg_constraint itself: PostgreSQL 18's NOT ENFORCED keys have no triggers), a
       -- generated column, an operator class or a collation of the users' in an index.
       COALESCE(att.has_generated OR ix.user_opclass OR ix.user_collation
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                            WHERE k.contype = 'f' AND (k.conrelid = c.oid OR k.confrelid = c.oid)), false) AS rare_facts,
       -- The version comment (obj_description's own query, without planning a SQL function).
       CASE WHEN t.name = 'phoenix_kit'
            THEN (SELECT d.description FROM pg_catalog.pg_description d
                   WHERE d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0) END AS comment,
       EXISTS (SELECT 1 FROM pg_catalog.pg_namespace s WHERE s.nspname = @schema_literal@) AS schema_present,
       COALESCE((SELECT pg_catalog.has_schema_privilege(s.oid, 'USAGE') FROM pg_catalog.pg_namespace s WHERE s.nspname = @schema_literal@), false) AS schema_usage,
       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMPORARY') AS temp_allowed
  FROM pg_catalog.unnest(ARRAY['phoenix_kit', 'phoenix_kit_settings', 'phoenix_kit_ai_endpoints']) WITH ORDINALITY AS t(name, ord)
  LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace)
         ON n.nspname = @schema_literal@ AND c.relname = t.name
  -- Each catalog read once per table (one subquery each: planning is most of this statement's
  -- cost on a new backend).
  -- The columns: "name=type" (text-like types as text, not char(n): it compares without
  -- trailing spaces, so keys or names that differ only there would be equal; date and time
  -- types as timestamp), the characters key and module hold, those with a nondeterministic
  -- collation ("column<TAB>collation"), and whether one is of a type of the users'.
  LEFT JOIN LATERAL (
    SELECT pg_catalog.array_agg(a.attname::text || '=' || CASE
                 WHEN a.atttypid IN ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype) THEN 'text'
                 WHEN a.atttypid IN ('pg_catalog.timestamp'::pg_catalog.regtype, 'pg_catalog.timestamptz'::pg_catalog.regtype,
                                     'pg_catalog.date'::pg_catalog.regtype) THEN 'timestamp'
                 ELSE pg_catalog.format_type(a.atttypid, NULL) END ORDER BY a.attname) AS columns,
           pg_catalog.max(CASE WHEN a.attname = 'key' AND a.atttypmod >= 4
                                    AND a.atttypid IN ('pg_catalog.varchar'::pg_catalog.regtype, 'pg_catalog.bpchar'::pg_catalog.regtype)
                               THEN a.atttypmod - 4 END) AS key_max,
           pg_catalog.max(CASE WHEN a.attname = 'module' AND a.atttypmod >= 4
                                    AND a.atttypid IN ('pg_catalog.varchar'::pg_catalog.regtype, 'pg_catalog.bpchar'::pg_catalog.regtype)
                               THEN a.atttypmod - 4 END) AS module_max,
           pg_catalog.array_agg(a.attname::text || E'\t' || co.collname::text ORDER BY a.attname) FILTER (WHERE NOT co.collisdeterministic) AS nondeterministic,
           pg_catalog.bool_or(a.atttypid >= 16384) AS user_types,
           pg_catalog.bool_or(a.attgenerated <> '') AS has_generated
      FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) att ON true
  -- The indexes: a valid, immediate, non-partial unique index on exactly uuid (key) rules
  -- duplicates out at every moment (a deferrable one does not); whether an operator class is
  -- the users' (an access method of theirs has operator classes of theirs only), and whether
  -- one compares with a collation of theirs.
  LEFT JOIN LATERAL (
    SELECT pg_catalog.bool_or(u.unique_on = 'uuid') AS uuid_unique, pg_catalog.bool_or(u.unique_on = 'key') AS key_unique,
           pg_catalog.bool_or(u.user_opclass) AS user_opclass, pg_catalog.bool_or(u.user_collation) AS user_collation
      FROM (SELECT CASE WHEN i.indisunique AND i.indimmediate AND i.indisvalid AND i.indisready AND i.indpred IS NULL
                              AND i.indexprs IS NULL AND i.indnkeyatts = 1
                         THEN (SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = i.indkey[0]) END AS unique_on,
                   16384 <= ANY (i.indclass::pg_catalog.oid[]) AS user_opclass,
                   -- A collation of the users' (only they can make a nondeterministic one).
                   16384 <= ANY (i.indcollation::pg_catalog.oid[]) AS user_collation
              FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid) u) ix ON true
  -- The enabled triggers of the users (not PostgreSQL's own for constraints), and whether one
  -- fires on UPDATE.
  LEFT JOIN LATERAL (
    SELECT pg_catalog.array_agg(g.tgname::text ORDER BY g.tgname) AS user_triggers, pg_catalog.bool_or((g.tgtype & 16) <> 0) AS on_update
      FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal AND g.tgenabled <> 'D') trg ON true
  -- Index columns with an operator class or a nondeterministic collation of the users',
  -- foreign keys and generated columns (catalog_rare.sql, or NULLs where rare_facts is false
  -- for every table).
  LEFT JOIN LATERAL (@rare_facts@) rare ON true
 ORDER BY t.ord
