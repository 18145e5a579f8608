-- Running a migration is the schema owner's decision: nobody may call one by default.
-- GRANT EXECUTE ON FUNCTION ... TO a migration role to delegate it.
REVOKE EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pk_migrate_v114_down(text, boolean, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pk_migrate_v107_up(text, boolean, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pk_migrate_v107_down(text, boolean, boolean) FROM PUBLIC;
