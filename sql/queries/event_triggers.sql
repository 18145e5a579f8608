-- The enabled event triggers that fire on DDL, with the command tags they are limited to (NULL:
-- every tag). A migration's DDL and its COMMENT (the stamp) fire those whose tags it uses, after
-- its verify step: pk_migration_status and pk_migration_plan list them. Read-only.
SELECT pg_catalog.format('event trigger %s on %s', pg_catalog.quote_ident(e.evtname), e.evtevent) AS description,
       e.evttags::text[] AS tags
  FROM pg_catalog.pg_event_trigger e
 WHERE e.evtenabled <> 'D'
   AND e.evtevent IN ('ddl_command_start', 'ddl_command_end', 'sql_drop', 'table_rewrite')
 ORDER BY e.evtname
