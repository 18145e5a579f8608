-- pg_temp.pk_fingerprint(schema): the shared fingerprint of every test layer.
\i tests/fingerprint.sql
