-- The fingerprint of one schema (the shared one of every test layer, tests/fingerprint.sql):
--   psql -v schema=NAME -At -f tests/reliability/fingerprint.sql
\ir ../fingerprint.sql
SELECT pg_temp.pk_fingerprint(:'schema');
