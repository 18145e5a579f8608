-- (A) the extension. Run inside BEGIN … COMMIT by bench.sh.
SELECT pk_migrate_v114_up('public');
