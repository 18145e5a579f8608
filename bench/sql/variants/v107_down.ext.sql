-- (A) the extension.
SELECT pk_migrate_v107_down('public');
