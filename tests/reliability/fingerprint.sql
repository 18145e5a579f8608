-- The fingerprint of one schema, read-only (works on a hot standby):
--   psql -v schema=NAME -At -f tests/reliability/fingerprint.sql
-- It is the shared fingerprint of every test layer, tests/fingerprint.sql.
\ir ../fingerprint.sql
