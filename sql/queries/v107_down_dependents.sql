-- V107 down: every object that depends on integration_uuid and was not made by V107 - views
-- (through their rewrite rule), foreign keys, constraints, other indexes, extended statistics,
-- policies, triggers' column lists. DROP COLUMN would drop or refuse them; V107 down refuses
-- first and names them all. Read-only.
--   $1  the endpoints table, quoted
SELECT count(*) AS objects, (array_agg(o.object ORDER BY o.object))[1:50] AS object_names
  FROM (SELECT DISTINCT COALESCE(
                 (SELECT pg_describe_object('pg_class'::regclass, r.ev_class, 0) FROM pg_rewrite r
                   WHERE d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid),
                 pg_describe_object(d.classid, d.objid, d.objsubid)) AS object
          FROM pg_depend d
          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = $1::regclass
           AND a.attname = 'integration_uuid' AND d.deptype IN ('n', 'a')
           -- V107's own two indexes, in the shape V107 creates them.
           AND NOT (d.classid = 'pg_class'::regclass AND d.objid IN (
                 SELECT i.indexrelid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                  WHERE i.indrelid = $1::regclass
                    AND ((c.relname = 'phoenix_kit_ai_endpoints_integration_uuid_index'
                          AND pg_get_indexdef(i.indexrelid) ~ 'USING btree [(]integration_uuid[)]$')
                      OR (c.relname = 'phoenix_kit_ai_endpoints_name_index' AND i.indnkeyatts = 1 AND i.indexprs IS NOT NULL))))) o
