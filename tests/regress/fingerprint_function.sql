-- pg_temp.pk_fingerprint(schema): the shared fingerprint (tests/fingerprint.sql) as a function.
\set pk_fingerprint_query `cat tests/fingerprint.sql`
SELECT format('CREATE FUNCTION pg_temp.pk_fingerprint(schema text) RETURNS text LANGUAGE sql STABLE AS %L',
              replace(:'pk_fingerprint_query', ':''schema''', '$1')) \gexec
