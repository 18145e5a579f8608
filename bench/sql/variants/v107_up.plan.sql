-- (P) the plan preview of the extension, streamed and counted. Run inside BEGIN … COMMIT by bench.sh.
SELECT count(*) FROM pk_migration_plan('v107_up', 'public');
