-- (G) generating the script: pk_migration_script's text, written by psql to the file :bench_script
-- (which S applies to a fresh copy without the extension). Run inside BEGIN … COMMIT by bench.sh.
SELECT pk_migration_script('v107_up', 'public') \g :bench_script
