-- docs/behaviour.md §3 (integration keys) through pk_parse_integration_key, and its §1 attributes.
\i tests/regress/preamble.sql

-- Every shape of key, in one table. provider/name <NULL> is SQL NULL; '' would show empty.
SELECT v.i, v.key, p.provider, p.name
  FROM (VALUES
          (1,  'integration:google:default'),     -- the V107+ named shape
          (2,  'integration:google'),             -- legacy V0 shape: name default
          (3,  'integration:google:'),            -- empty name: default
          (4,  'integration:a:b:c'),              -- name kept whole: b:c
          (5,  'integration:a:b:'),               -- name b:, kept whole (not emptied)
          (6,  'integration:a::b'),               -- name :b
          (7,  'integration:'),                   -- malformed: empty provider
          (8,  'integration::x'),                 -- malformed: empty provider, name x
          (9,  'integration::'),                  -- malformed
          (10, 'Integration:x:y'),                -- not an integration key: case-sensitive prefix
          (11, 'INTEGRATION:x:y'),
          (12, 'integration'),                    -- no colon
          (13, 'integrations:x'),
          (14, 'integrations_enabled'),
          (15, ' integration:x'),                 -- leading blank: not the prefix
          (16, ''),
          (17, 'site_name'),
          (18, '01900000-0000-7000-8000-000000000001'),  -- a V114 uuid key
          (19, 'integration:göögle:naïve ñame'),  -- unicode is kept verbatim
          (20, 'integration:🦀:🐘'),
          (21, 'integration: google : x '),       -- blanks are data: no trimming
          (22, 'integration: '),
          (23, NULL)                              -- STRICT: NULL in, NULL out
       ) AS v(i, key)
  LEFT JOIN LATERAL pk_parse_integration_key(v.key) p ON true
 ORDER BY v.i;

-- Called directly.
SELECT * FROM pk_parse_integration_key('integration:openrouter:team:eu');
SELECT * FROM pk_parse_integration_key('site_name');
SELECT * FROM pk_parse_integration_key(NULL);
SELECT (pk_parse_integration_key('integration:google')).name;

-- A very long key is parsed whole.
SELECT provider, length(name) AS name_length, left(name, 5) AS name_start
  FROM pk_parse_integration_key('integration:p:' || repeat('n', 100000));

-- IMMUTABLE STRICT PARALLEL SAFE, and callable by anyone.
SELECT p.provolatile, p.proisstrict, p.proparallel,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
  FROM pg_proc p
 WHERE p.oid = 'pk_parse_integration_key(text)'::regprocedure;

SET ROLE regress_pk_nobody;
SELECT * FROM pk_parse_integration_key('integration:google:x');
RESET ROLE;
DROP EXTENSION phoenix_kit_mig;
