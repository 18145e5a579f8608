-- The enabled event triggers that fire on a migration's DDL or its COMMENT (the stamp), which
-- run after its verify step: listed by pk_migration_status and pk_migration_plan. Read-only.
--   $1 the command tags of the migration's statements
SELECT array_agg(format('event trigger %s on %s', quote_ident(e.evtname), e.evtevent) ORDER BY e.evtname) AS event_triggers
  FROM pg_event_trigger e
 WHERE e.evtenabled <> 'D'
   AND e.evtevent IN ('ddl_command_start', 'ddl_command_end', 'sql_drop', 'table_rewrite')
   AND (e.evttags IS NULL OR e.evttags && $1::text[])
