-- (A) the extension.
SELECT pk_migrate_v114_down('public');
