-- The catalog facts that only some tables can have, read as a LATERAL subquery of catalog.sql
-- (its table is `c`, its index facts `ix`): index columns with an operator class or a
-- nondeterministic collation of the users', foreign keys, and generated columns. catalog.sql
-- tells whether a table can have any (rare_facts): when none can, a run reads catalog.sql with
-- these facts as NULL (src/target.rs) and does not parse, plan or run this part, about a
-- quarter of the catalog read's cost on a new backend. A migration script reads them always
-- (the same facts as a run that reads them).
SELECT
       -- Index columns whose operator class is of the table's users (its equality need not
       -- be the migration's): "column<TAB>index<TAB>operator class", the class by name (a
       -- migration script compares these facts between a restored copy and the database it
       -- was dumped from, where the class has another oid).
       (SELECT pg_catalog.array_agg(a.attname::text || E'\t' || i.indexrelid::pg_catalog.regclass::text || E'\t'
                                    || pg_catalog.format('%I.%I', ns.nspname, o.opcname)
                                    ORDER BY a.attname, i.indexrelid::pg_catalog.regclass::text COLLATE pg_catalog."C")
          FROM pg_catalog.pg_index i
          CROSS JOIN LATERAL pg_catalog.generate_series(0, i.indnkeyatts - 1) AS k(n)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[k.n]
          JOIN pg_catalog.pg_opclass o ON o.oid = i.indclass[k.n]
          JOIN pg_catalog.pg_namespace ns ON ns.oid = o.opcnamespace
         WHERE ix.user_opclass AND i.indrelid = c.oid AND i.indclass[k.n] >= 16384) AS user_opclasses,
       -- Columns of unique or exclusion indexes that compare with a nondeterministic collation
       -- (where keys the migration finds distinct could collide): "column<TAB>collation<TAB>index".
       -- Ordered by names, not oids: a restored copy has other oids.
       (SELECT pg_catalog.array_agg(a.attname::text || E'\t' || co.collname::text || E'\t' || i.indexrelid::pg_catalog.regclass::text
                                    ORDER BY a.attname, i.indexrelid::pg_catalog.regclass::text COLLATE pg_catalog."C")
          FROM pg_catalog.pg_index i
          CROSS JOIN LATERAL pg_catalog.generate_series(0, i.indnkeyatts - 1) AS k(n)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[k.n]
          JOIN pg_catalog.pg_collation co ON co.oid = i.indcollation[k.n]
         WHERE ix.user_collation AND i.indrelid = c.oid AND (i.indisunique OR i.indisexclusion) AND NOT co.collisdeterministic) AS index_collations,
       -- Foreign keys in which a column takes part, on either side: "column<TAB>description".
       (SELECT pg_catalog.array_agg(a.attname::text || E'\t' || pg_catalog.format('constraint %s of %s referencing %s (ON UPDATE %s)',
                   pg_catalog.quote_ident(k.conname), k.conrelid::pg_catalog.regclass, k.confrelid::pg_catalog.regclass,
                   CASE k.confupdtype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
                                      WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END) ORDER BY k.conname, a.attname)
          FROM pg_catalog.pg_constraint k
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
               AND ((k.conrelid = c.oid AND a.attnum = ANY (k.conkey)) OR (k.confrelid = c.oid AND a.attnum = ANY (k.confkey)))
         WHERE k.contype = 'f' AND (k.conrelid = c.oid OR k.confrelid = c.oid)) AS foreign_keys,
       -- Generated columns (stored, or virtual on PostgreSQL 18) and the columns they are
       -- computed from: "column<TAB>generated".
       (SELECT pg_catalog.array_agg(r.attname::text || E'\t' || g.attname::text ORDER BY g.attname, r.attname)
          FROM pg_catalog.pg_attribute g
          -- The generation expression is the column's default (pg_attrdef), which depends on
          -- the columns it reads.
          -- (PostgreSQL 13 records the dependency on the column itself instead.)
          LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = g.attnum
          JOIN pg_catalog.pg_depend d ON ((d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid = ad.oid)
                                          OR (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.objsubid = g.attnum))
                                     AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid
                                     AND d.refobjsubid <> g.attnum AND d.refobjsubid > 0
          JOIN pg_catalog.pg_attribute r ON r.attrelid = c.oid AND r.attnum = d.refobjsubid
         WHERE g.attrelid = c.oid AND g.attgenerated <> '' AND NOT g.attisdropped) AS generated_from
