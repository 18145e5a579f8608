#!/usr/bin/env bash
# Bad input, table-driven (docs/behaviour.md §1 arguments and errors, §2 guard, §3 key parsing, §4
# pre-flight and ranking, §6/§7 pre-flight and rules): odd keys, unicode, very long names,
# control characters (no NUL: PostgreSQL text cannot hold one), JSON of every type for
# value_json / provider / name / last_validated_at, mixed-case providers, endpoint names that
# differ only by case, timestamps in every shape, odd prefixes, odd version comments.
#
# Each case: a fresh fixture at VERSION (lib: pk_fixture), SETUP, then CALL inside a PL/pgSQL
# exception block (a savepoint, as a caller's own handler would use). Expected is a SQLSTATE:
#   - an error must leave the schema's fingerprint (rows, columns, indexes, constraints,
#     comment) unchanged, and CHECK (if any) must hold for  $1 = message || DETAIL;
#   - 00000 must succeed and CHECK must hold for $1 = the call's result (a report, or text).
# In SETUP/CALL/CHECK, @S is the schema as a literal and @I as an identifier; pg_temp.k()
# inserts a setting, pg_temp.uk() a uuid-keyed integrations row, pg_temp.e() an endpoint,
# pg_temp.row_of() returns a settings row as jsonb, pg_temp.pin() an endpoint's pin.
. "$(dirname "$0")/lib.sh"

s=${REL_PREFIX}t
out=$(_psql -At -F '|' -f "$REL_FIXTURE" -f "$REL_LIBSQL" -f - 2>"$REL_TMP/cases.err" <<SQL
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.subst(t text, s text) RETURNS text LANGUAGE sql IMMUTABLE
  AS \$\$ SELECT replace(replace(t, '@S', quote_literal(s)), '@I', quote_ident(s)) \$\$;
CREATE FUNCTION pg_temp.k(s text, key text, vj text, module text DEFAULT 'integrations', u uuid DEFAULT NULL,
                          added timestamptz DEFAULT NULL) RETURNS uuid
  LANGUAGE sql AS \$\$ SELECT pg_temp.pk_fixture_setting(s, key, vj::jsonb, module, u, added) \$\$;
CREATE FUNCTION pg_temp.uk(s text, vj text, u uuid, added timestamptz DEFAULT NULL) RETURNS uuid
  LANGUAGE sql AS \$\$ SELECT pg_temp.pk_fixture_setting(s, u::text, vj::jsonb, 'integrations', u, added) \$\$;
CREATE FUNCTION pg_temp.e(s text, name text, provider text, u uuid DEFAULT NULL) RETURNS uuid
  LANGUAGE sql AS \$\$ SELECT pg_temp.pk_fixture_endpoint(s, name, provider, u) \$\$;
CREATE FUNCTION pg_temp.row_of(s text, u uuid) RETURNS jsonb LANGUAGE plpgsql AS \$\$
  DECLARE j jsonb; BEGIN EXECUTE format('SELECT to_jsonb(t) FROM %I.phoenix_kit_settings t WHERE uuid = \$1', s) INTO j USING u; RETURN j; END \$\$;
CREATE FUNCTION pg_temp.pin(s text, u uuid) RETURNS uuid LANGUAGE plpgsql AS \$\$
  DECLARE p uuid; BEGIN EXECUTE format('SELECT integration_uuid FROM %I.phoenix_kit_ai_endpoints WHERE uuid = \$1', s) INTO p USING u; RETURN p; END \$\$;

CREATE FUNCTION pg_temp.rel_case(c_version int, c_setup text, c_call text, c_check text, s text,
                                 OUT got text, OUT verdict text, OUT msg text)
LANGUAGE plpgsql AS \$fn\$
DECLARE
  r text; d text; fp0 text; fp1 text; good boolean;
BEGIN
  IF c_version IS NOT NULL THEN
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', s);
    PERFORM pg_temp.pk_fixture(s, c_version);
    IF c_setup IS NOT NULL THEN EXECUTE pg_temp.subst(c_setup, s); END IF;
    SELECT string_agg(part || '=' || sum, ',' ORDER BY part) INTO fp0 FROM pg_temp.rel_fp(s);
  END IF;
  BEGIN
    EXECUTE pg_temp.subst(c_call, s) INTO r;
    got := '00000';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS got = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
    r := msg || E'\n' || COALESCE(d, '');
  END;
  verdict := 'ok';
  IF got <> '00000' AND c_version IS NOT NULL THEN
    SELECT string_agg(part || '=' || sum, ',' ORDER BY part) INTO fp1 FROM pg_temp.rel_fp(s);
    IF fp1 IS DISTINCT FROM fp0 THEN verdict := 'CHANGED although it failed'; END IF;
  END IF;
  IF verdict = 'ok' AND c_check IS NOT NULL THEN
    BEGIN
      EXECUTE 'SELECT (' || pg_temp.subst(c_check, s) || ')::boolean' INTO good USING r;
    EXCEPTION WHEN OTHERS THEN
      good := false; r := r || ' [check raised: ' || SQLERRM || ']';
    END;
    IF good IS NOT TRUE THEN verdict := 'CHECK FAILED on: ' || left(replace(r, E'\n', ' / '), 600); END IF;
  END IF;
  msg := left(replace(COALESCE(msg, r), E'\n', ' / '), 200);
END
\$fn\$;

CREATE TEMP TABLE cases (id serial, descr text, version int, setup text, call text, want text, chk text);
INSERT INTO cases (descr, version, setup, call, want, chk) VALUES
-- ---------------------------------------------------------------- pk_parse_integration_key (§3)
('parse: named key', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('integration:google:default') p\$c\$, '00000', \$c\$\$1 = '(google,default)'\$c\$),
('parse: legacy V0 key', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('integration:google') p\$c\$, '00000', \$c\$\$1 = '(google,default)'\$c\$),
('parse: empty name', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('integration:google:') p\$c\$, '00000', \$c\$\$1 = '(google,default)'\$c\$),
('parse: name with colons kept whole', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('integration:openrouter:a:b:c') p\$c\$, '00000', \$c\$\$1 = '(openrouter,a:b:c)'\$c\$),
('parse: integration: alone is malformed', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('integration:') p\$c\$, '00000', \$c\$\$1 = '(,default)'\$c\$),
('parse: empty provider', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('integration::x') p\$c\$, '00000', \$c\$\$1 = '(,x)'\$c\$),
('parse: three colons', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('integration:::') p\$c\$, '00000', \$c\$\$1 = '(,:)'\$c\$),
('parse: prefix is case-sensitive', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('Integration:google:x') p\$c\$, '00000', \$c\$\$1 = '(,)'\$c\$),
('parse: upper-case prefix', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('INTEGRATION:x') p\$c\$, '00000', \$c\$\$1 = '(,)'\$c\$),
('parse: leading blank', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key(' integration:x:y') p\$c\$, '00000', \$c\$\$1 = '(,)'\$c\$),
('parse: empty string', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('') p\$c\$, '00000', \$c\$\$1 = '(,)'\$c\$),
('parse: NULL (STRICT)', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key(NULL) p\$c\$, '00000', \$c\$\$1 = '(,)'\$c\$),
('parse: mixed-case provider kept', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key('integration:OpenRouter:Work') p\$c\$, '00000', \$c\$\$1 = '(OpenRouter,Work)'\$c\$),
('parse: unicode', NULL, NULL, \$c\$SELECT p.provider || '|' || p.name FROM pk_parse_integration_key('integration:göögle:naïve ñame 🦀') p\$c\$, '00000', \$c\$\$1 = 'göögle|naïve ñame 🦀'\$c\$),
('parse: emoji provider, legacy shape', NULL, NULL, \$c\$SELECT p.provider || '|' || p.name FROM pk_parse_integration_key('integration:🦀') p\$c\$, '00000', \$c\$\$1 = '🦀|default'\$c\$),
('parse: zero-width and RTL characters kept', NULL, NULL, \$c\$SELECT p.provider || '|' || p.name FROM pk_parse_integration_key(E'integration:p\u200b:\u05d0\u202e') p\$c\$, '00000', \$c\$\$1 = E'p\u200b|\u05d0\u202e'\$c\$),
('parse: control characters kept', NULL, NULL, \$c\$SELECT p.provider || '|' || p.name FROM pk_parse_integration_key(E'integration:p\tq:n\x01\x1f\n\x7f') p\$c\$, '00000', \$c\$\$1 = E'p\tq|n\x01\x1f\n\x7f'\$c\$),
('parse: blanks are data', NULL, NULL, \$c\$SELECT p.provider || '|' || p.name FROM pk_parse_integration_key('integration: g : x ') p\$c\$, '00000', \$c\$\$1 = ' g | x '\$c\$),
('parse: 100k-character name', NULL, NULL, \$c\$SELECT p.provider || '|' || length(p.name) FROM pk_parse_integration_key('integration:p:' || repeat('n', 100000)) p\$c\$, '00000', \$c\$\$1 = 'p|100000'\$c\$),
('parse: 1M-character provider', NULL, NULL, \$c\$SELECT length(p.provider) || '|' || p.name FROM pk_parse_integration_key('integration:' || repeat('p', 1000000)) p\$c\$, '00000', \$c\$\$1 = '1000000|default'\$c\$),
('parse: a uuid is not an integration key', NULL, NULL, \$c\$SELECT row(p.provider, p.name)::text FROM pk_parse_integration_key(gen_random_uuid()::text) p\$c\$, '00000', \$c\$\$1 = '(,)'\$c\$),
-- ---------------------------------------------------------------- arguments, prefix, version (§1, §2)
('NULL prefix', 113, NULL, \$c\$SELECT pk_migrate_v114_up(NULL)::text\$c\$, '22004', NULL),
('NULL dry_run', 113, NULL, \$c\$SELECT pk_migrate_v107_down(@S, NULL)::text\$c\$, '22004', NULL),
('NULL force', 106, NULL, \$c\$SELECT pk_migrate_v107_up(@S, false, NULL)::text\$c\$, '22004', NULL),
('empty prefix', 113, NULL, \$c\$SELECT pk_migrate_v114_up('')::text\$c\$, '3F000', NULL),
('prefix with a trailing blank', 113, NULL, \$c\$SELECT pk_migrate_v114_up(@S || ' ')::text\$c\$, '3F000', \$c\$\$1 LIKE '%" does not exist%'\$c\$),
('prefix in another case', 113, NULL, \$c\$SELECT pk_migrate_v114_up(upper(@S))::text\$c\$, '3F000', NULL),
('prefix with control characters', 113, NULL, \$c\$SELECT pk_migrate_v107_up(E'x\x01\ty\n')::text\$c\$, '3F000', NULL),
('prefix of 10k characters', 113, NULL, \$c\$SELECT pk_migrate_v114_down(repeat('s', 10000))::text\$c\$, '3F000', NULL),
('schema without the settings table', 113, \$c\$DROP TABLE @I.phoenix_kit_settings\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '42P01', \$c\$\$1 LIKE '%.phoenix_kit_settings%'\$c\$),
('schema without the endpoints table', 106, \$c\$DROP TABLE @I.phoenix_kit_ai_endpoints\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '42P01', \$c\$\$1 LIKE '%.phoenix_kit_ai_endpoints%'\$c\$),
('version comment not an integer', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '113abc'\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22P02', \$c\$\$1 LIKE '%113abc%'\$c\$),
('version comment with a fraction', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '113.0'\$c\$, \$c\$SELECT pk_migrate_v114_up(@S, force => true)::text\$c\$, '22P02', NULL),
('version comment beyond int4', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '99999999999'\$c\$, \$c\$SELECT pk_migrate_v114_up(@S, force => true)::text\$c\$, '22P02', NULL),
('version comment unicode digits', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '١١٣'\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22P02', NULL),
('version comment with blanks and a newline is tolerated', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS E' 113\n'\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$(\$1::jsonb ->> 'version_before') = '113'\$c\$),
('version comment negative', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '-113'\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '55000', NULL),
('empty comment means no comment = version 1', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS ''\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '55000', \$c\$\$1 LIKE '%version 1%'\$c\$),
('V114 up from 112', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '112'\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '55000', NULL),
('V114 up from 115', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '115'\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '55000', NULL),
('V114 up before V107 (106)', 106, NULL, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '55000', \$c\$\$1 LIKE '%V107 must run before V114%'\$c\$),
('V107 down from 108', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '108'\$c\$, \$c\$SELECT pk_migrate_v107_down(@S)::text\$c\$, '55000', NULL),
('V107 up with force at 120 never lowers the stamp', 113, \$c\$COMMENT ON TABLE @I.phoenix_kit IS '120'\$c\$, \$c\$SELECT pk_migrate_v107_up(@S, force => true)::text\$c\$, '00000', \$c\$(\$1::jsonb ->> 'version_after') = '120' AND obj_description((@S || '.phoenix_kit')::regclass) = '120'\$c\$),
-- ---------------------------------------------------------------- V114 up pre-flight (§6.1)
('V114 up: value_json a JSON array', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '["x"]')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', \$c\$\$1 LIKE '%integration:a:b%'\$c\$),
('V114 up: value_json a JSON string', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '"text"')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: value_json a JSON number', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '1.5e300')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: value_json a JSON boolean', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', 'false')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: value_json array in a dry run', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '[]')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S, dry_run => true)::text\$c\$, '22023', NULL),
('V114 up: provider a JSON number', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '{"provider": 5}')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', \$c\$\$1 LIKE '%integration:a:b%'\$c\$),
('V114 up: provider a JSON object', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '{"provider": {"x": 1}}')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: provider a JSON array', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '{"provider": ["a"]}')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: provider a JSON boolean', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '{"provider": true}')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: name a JSON number', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '{"name": 0}')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: name a JSON object', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '{"provider": "a", "name": {}}')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: key integration: without JSON provider', 113, \$c\$SELECT pg_temp.k(@S, 'integration:', NULL)\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', \$c\$\$1 LIKE '%no provider%'\$c\$),
('V114 up: empty key provider, JSON provider ""', 113, \$c\$SELECT pg_temp.k(@S, 'integration::x', '{"provider": ""}')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: empty key provider, JSON provider a composite copy', 113, \$c\$SELECT pg_temp.k(@S, 'integration::x', '{"provider": ":x"}')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', NULL),
('V114 up: another row holds this row''s uuid as key', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', NULL, 'integrations', '00000000-0000-7000-8000-00000000000a'); SELECT pg_temp.k(@S, '00000000-0000-7000-8000-00000000000a', NULL, 'system')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '23505', \$c\$\$1 LIKE '%00000000-0000-7000-8000-00000000000a%'\$c\$),
('V114 up: 57 bad rows: DETAIL lists 50 and the count', 113, \$c\$SELECT pg_temp.k(@S, 'integration:p:' || i, '[]') FROM generate_series(1, 57) i\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '22023', \$c\$\$1 LIKE '%and 7 more%'\$c\$),
-- ---------------------------------------------------------------- V114 up accepted odd data (§6.2)
('V114 up: value_json JSON null becomes an object', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', 'null', 'integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') -> 'value_json' = '{"provider": "a", "name": "b"}'\$c\$),
('V114 up: value_json SQL NULL becomes an object', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a', NULL, NULL, '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') -> 'value_json' = '{"provider": "a", "name": "default"}'\$c\$),
('V114 up: JSON null provider and name filled from the key', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', '{"provider": null, "name": null, "z": [1, {"y": null}]}', 'x', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') -> 'value_json' = '{"provider": "a", "name": "b", "z": [1, {"y": null}]}'\$c\$),
('V114 up: empty key provider but JSON provider', 113, \$c\$SELECT pg_temp.k(@S, 'integration::x', '{"provider": "p"}', 'integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') -> 'value_json' = '{"provider": "p", "name": "x"}'\$c\$),
('V114 up: mixed-case provider kept as is', 113, \$c\$SELECT pg_temp.k(@S, 'integration:OpenRouter:Work', NULL, 'integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') -> 'value_json' = '{"provider": "OpenRouter", "name": "Work"}'\$c\$),
('V114 up: composite JSON provider repaired', 113, \$c\$SELECT pg_temp.k(@S, 'integration:openrouter:primary', '{"provider": "openrouter:primary"}', 'integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$(\$1::jsonb ->> 'provider_repaired') = '1' AND pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') #>> '{value_json,provider}' = 'openrouter'\$c\$),
('V114 up: composite JSON provider in another case is not repaired', 113, \$c\$SELECT pg_temp.k(@S, 'integration:openrouter:primary', '{"provider": "OpenRouter:primary"}', 'integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') #>> '{value_json,provider}' = 'OpenRouter:primary'\$c\$),
('V114 up: unicode and control characters survive byte for byte', 113, \$c\$SELECT pg_temp.k(@S, E'integration:p\t🦀:n\x01\x1f\u200b名前', NULL, 'integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') -> 'value_json' = jsonb_build_object('provider', E'p\t🦀', 'name', E'n\x01\x1f\u200b名前')\$c\$),
('V114 up: 255-character key (the column maximum)', 113, \$c\$SELECT pg_temp.k(@S, 'integration:p:' || repeat('é', 241), NULL, 'integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$length(pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') #>> '{value_json,name}') = 241\$c\$),
('V114 up: a 1 MB value_json is carried over', 113, \$c\$SELECT pg_temp.k(@S, 'integration:a:b', jsonb_build_object('blob', repeat('x', 1000000))::text, 'integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$length(pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') #>> '{value_json,blob}') = 1000000\$c\$),
('V114 up: integrations_enabled and Integration: keys untouched', 113, \$c\$SELECT pg_temp.k(@S, 'integrations_enabled', '"x"', 'integrations', '00000000-0000-7000-8000-000000000001'); SELECT pg_temp.k(@S, 'Integration:a:b', '[]', 'system', '00000000-0000-7000-8000-000000000002')\$c\$, \$c\$SELECT pk_migrate_v114_up(@S)::text\$c\$, '00000', \$c\$(\$1::jsonb ->> 'rows_rewritten') = '0' AND pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000002') ->> 'key' = 'Integration:a:b'\$c\$),
-- ---------------------------------------------------------------- V114 down (§7)
('V114 down: provider missing', 114, \$c\$SELECT pg_temp.uk(@S, '{"name": "n"}', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '22023', \$c\$\$1 LIKE '%00000000-0000-7000-8000-000000000001%'\$c\$),
('V114 down: name empty', 114, \$c\$SELECT pg_temp.uk(@S, '{"provider": "p", "name": ""}', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '22023', NULL),
('V114 down: provider JSON null', 114, \$c\$SELECT pg_temp.uk(@S, '{"provider": null, "name": "n"}', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '22023', NULL),
('V114 down: name a JSON number', 114, \$c\$SELECT pg_temp.uk(@S, '{"provider": "p", "name": 7}', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '22023', NULL),
('V114 down: value_json a JSON array', 114, \$c\$SELECT pg_temp.uk(@S, '["p", "n"]', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '22023', NULL),
('V114 down: value_json SQL NULL', 114, \$c\$SELECT pg_temp.uk(@S, NULL, '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '22023', NULL),
('V114 down: rebuilt key longer than 255', 114, \$c\$SELECT pg_temp.uk(@S, jsonb_build_object('provider', 'p', 'name', repeat('n', 242))::text, '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '22001', NULL),
('V114 down: suffixed key that still collides', 114, \$c\$SELECT pg_temp.uk(@S, '{"provider": "p", "name": "n"}', '00000000-0000-7000-8000-000000000001', '2026-01-01'); SELECT pg_temp.uk(@S, '{"provider": "p", "name": "n"}', '00000000-0000-7000-8000-0000abcdef02', '2026-02-01'); SELECT pg_temp.k(@S, 'integration:p:n-0000abcd', NULL, 'system')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '23505', \$c\$\$1 LIKE '%0000abcdef02%'\$c\$),
('V114 down: names differing only by case are not twins', 114, \$c\$SELECT pg_temp.uk(@S, '{"provider": "p", "name": "Work"}', '00000000-0000-7000-8000-000000000001'); SELECT pg_temp.uk(@S, '{"provider": "p", "name": "work"}', '00000000-0000-7000-8000-000000000002')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '00000', \$c\$jsonb_array_length(\$1::jsonb -> 'suffixed') = 0 AND pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') ->> 'key' = 'integration:p:Work'\$c\$),
('V114 down: unicode and control characters', 114, \$c\$SELECT pg_temp.uk(@S, jsonb_build_object('provider', '🦀', 'name', E'名前\t\x01')::text, '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '00000', \$c\$pg_temp.row_of(@S, '00000000-0000-7000-8000-000000000001') ->> 'key' = E'integration:🦀:名前\t\x01'\$c\$),
('V114 down: an upper-case uuid key is not a target', 114, \$c\$SELECT pg_temp.k(@S, upper('00000000-0000-7000-8000-0000000000ab'), '{"provider": "p", "name": "n"}', 'integrations', '00000000-0000-7000-8000-0000000000ab')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '00000', \$c\$(\$1::jsonb ->> 'rows_rewritten') = '0'\$c\$),
('V114 down: module Integrations (case) is not a target', 114, \$c\$SELECT pg_temp.k(@S, '00000000-0000-7000-8000-000000000001', '{"provider": "p", "name": "n"}', 'Integrations', '00000000-0000-7000-8000-000000000001')\$c\$, \$c\$SELECT pk_migrate_v114_down(@S)::text\$c\$, '00000', \$c\$(\$1::jsonb ->> 'rows_rewritten') = '0'\$c\$),
-- ---------------------------------------------------------------- V107 up pre-flight (§4.1)
('V107 up: names differing only by case', 106, \$c\$SELECT pg_temp.e(@S, 'Chat', 'p'); SELECT pg_temp.e(@S, 'chat', 'p'); SELECT pg_temp.e(@S, 'CHAT', 'p'); SELECT pg_temp.e(@S, 'Mail', 'p'); SELECT pg_temp.e(@S, 'mAIL', 'p')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '23505', \$c\$\$1 LIKE '2 group(s)%' AND \$1 LIKE '%''CHAT''%' AND \$1 LIKE '%''mAIL''%'\$c\$),
('V107 up: non-ASCII names differing only by case (as lower() in this database sees them)', 106, \$c\$SELECT pg_temp.e(@S, 'Ärger', 'p'); SELECT pg_temp.e(@S, 'ärger', 'p')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, CASE WHEN lower('Ä') = 'ä' THEN '23505' ELSE '00000' END, NULL),
('V107 up: existing name index that is not unique', 106, \$c\$CREATE INDEX phoenix_kit_ai_endpoints_name_index ON @I.phoenix_kit_ai_endpoints (lower(name))\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '55000', \$c\$\$1 LIKE '%CREATE INDEX phoenix_kit_ai_endpoints_name_index%'\$c\$),
('V107 up: existing unique name index on name, not lower(name)', 106, \$c\$CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON @I.phoenix_kit_ai_endpoints (name)\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '55000', NULL),
('V107 up: a partial unique lower(name) index is not enough', 106, \$c\$CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON @I.phoenix_kit_ai_endpoints (lower(name)) WHERE enabled\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '55000', NULL),
('V107 up: a table holds the index name', 106, \$c\$CREATE TABLE @I.phoenix_kit_ai_endpoints_name_index (x int)\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '55000', NULL),
('V107 up: integration_uuid exists as text', 106, \$c\$ALTER TABLE @I.phoenix_kit_ai_endpoints ADD COLUMN integration_uuid text\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '55000', NULL),
('V107 up: the right unique index exists already (kept)', 106, \$c\$CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON @I.phoenix_kit_ai_endpoints (lower(name))\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$\$1::jsonb -> 'indexes_created' = '["phoenix_kit_ai_endpoints_integration_uuid_index"]'\$c\$),
-- ---------------------------------------------------------------- V107 up rules and ranking (§4.3)
('V107 up: upper-case uuid provider pins by uuid', 106, \$c\$SELECT pg_temp.k(@S, 'integration:g:x', NULL, 'integrations', '00000000-0000-7000-8000-0000000000aa'); SELECT pg_temp.e(@S, 'E', upper('00000000-0000-7000-8000-0000000000aa'), '00000000-0000-7000-8000-00000000e001')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$(\$1::jsonb ->> 'pinned_by_uuid') = '1' AND pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') = '00000000-0000-7000-8000-0000000000aa'\$c\$),
('V107 up: uuid provider of a non-integration row stays NULL', 106, \$c\$SELECT pg_temp.k(@S, 'site_name', NULL, 'system', '00000000-0000-7000-8000-0000000000aa'); SELECT pg_temp.e(@S, 'E', '00000000-0000-7000-8000-0000000000aa', '00000000-0000-7000-8000-00000000e001')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') IS NULL\$c\$),
('V107 up: braced uuid is an ordinary provider name', 106, \$c\$SELECT pg_temp.k(@S, 'integration:g:x', NULL, 'integrations', '00000000-0000-7000-8000-0000000000aa'); SELECT pg_temp.e(@S, 'E', '{00000000-0000-7000-8000-0000000000aa}', '00000000-0000-7000-8000-00000000e001')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') IS NULL\$c\$),
('V107 up: composite provider without its row stays NULL (no fallback)', 106, \$c\$SELECT pg_temp.k(@S, 'integration:p:x', NULL); SELECT pg_temp.e(@S, 'E', 'p:nosuch', '00000000-0000-7000-8000-00000000e001')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') IS NULL\$c\$),
('V107 up: empty provider stays NULL', 106, \$c\$SELECT pg_temp.k(@S, 'integration::x', NULL); SELECT pg_temp.e(@S, 'E', '', '00000000-0000-7000-8000-00000000e001')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') IS NULL\$c\$),
('V107 up: provider case must match (OpenRouter vs openrouter)', 106, \$c\$SELECT pg_temp.k(@S, 'integration:openrouter:x', NULL); SELECT pg_temp.e(@S, 'E', 'OpenRouter', '00000000-0000-7000-8000-00000000e001')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') IS NULL\$c\$),
('V107 up: legacy integration:p row is not a candidate', 106, \$c\$SELECT pg_temp.k(@S, 'integration:p', NULL); SELECT pg_temp.e(@S, 'E', 'p', '00000000-0000-7000-8000-00000000e001')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') IS NULL\$c\$),
('V107 up: integration:p: (empty name) is a candidate', 106, \$c\$SELECT pg_temp.k(@S, 'integration:p:', NULL, 'integrations', '00000000-0000-7000-8000-0000000000aa'); SELECT pg_temp.e(@S, 'E', 'p', '00000000-0000-7000-8000-00000000e001')\$c\$, \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000', \$c\$pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') = '00000000-0000-7000-8000-0000000000aa'\$c\$)
;
-- Ranking: provider p, candidate A (uuid ...a1) vs B (uuid ...b2, larger): which one wins.
INSERT INTO cases (descr, version, setup, call, want, chk)
SELECT 'V107 up ranking: ' || d || ' (' || a || ' vs ' || b || ')', 106,
       format(\$c\$SELECT pg_temp.k(@S, 'integration:p:a', jsonb_build_object('last_validated_at', %s)::text, 'integrations', '00000000-0000-7000-8000-0000000000a1');
                 SELECT pg_temp.k(@S, 'integration:p:b', jsonb_build_object('last_validated_at', %s)::text, 'integrations', '00000000-0000-7000-8000-0000000000b2');
                 SELECT pg_temp.e(@S, 'E', 'p', '00000000-0000-7000-8000-00000000e001')\$c\$, a, b),
       \$c\$SELECT pk_migrate_v107_up(@S)::text\$c\$, '00000',
       format(\$c\$pg_temp.pin(@S, '00000000-0000-7000-8000-00000000e001') = '00000000-0000-7000-8000-0000000000%s'\$c\$, w)
  FROM (VALUES
    ('a fraction is later than the whole second', \$v\$'"2026-04-30T10:00:00.5Z"'::jsonb\$v\$, \$v\$'"2026-04-30T10:00:00Z"'::jsonb\$v\$, 'a1'),
    ('offsets are compared as instants', \$v\$'"2026-04-30T12:00:00+02:00"'::jsonb\$v\$, \$v\$'"2026-04-30T10:30:00Z"'::jsonb\$v\$, 'b2'),
    ('negative offset', \$v\$'"2026-04-30T05:30:00-05:00"'::jsonb\$v\$, \$v\$'"2026-04-30T10:00:00Z"'::jsonb\$v\$, 'a1'),
    ('compact offset', \$v\$'"2026-04-30T12:00:01+0200"'::jsonb\$v\$, \$v\$'"2026-04-30T10:00:00Z"'::jsonb\$v\$, 'a1'),
    ('nine fraction digits', \$v\$'"2026-04-30T10:00:00.000000001Z"'::jsonb\$v\$, \$v\$'"2026-04-30T10:00:00.000001Z"'::jsonb\$v\$, 'b2'),
    ('lower-case t and z, space separator', \$v\$'"2026-04-30t10:00:01z"'::jsonb\$v\$, \$v\$'"2026-04-30 10:00:00Z"'::jsonb\$v\$, 'a1'),
    ('no offset means UTC', \$v\$'"2026-04-30T10:00:01"'::jsonb\$v\$, \$v\$'"2026-04-30T10:00:00Z"'::jsonb\$v\$, 'a1'),
    ('date only ranks after a parseable timestamp', \$v\$'"2026-12-31"'::jsonb\$v\$, \$v\$'"2026-01-01T00:00:00Z"'::jsonb\$v\$, 'b2'),
    ('garbage ranks after', \$v\$'"yesterday"'::jsonb\$v\$, \$v\$'"2000-01-01T00:00:00Z"'::jsonb\$v\$, 'b2'),
    ('an impossible date ranks after', \$v\$'"2026-02-30T00:00:00Z"'::jsonb\$v\$, \$v\$'"2000-01-01T00:00:00Z"'::jsonb\$v\$, 'b2'),
    ('a JSON number ranks after', \$v\$'1777552496'::jsonb\$v\$, \$v\$'"2000-01-01T00:00:00Z"'::jsonb\$v\$, 'b2'),
    ('a JSON object ranks after', \$v\$'{"at": "2030-01-01T00:00:00Z"}'::jsonb\$v\$, \$v\$'"2000-01-01T00:00:00Z"'::jsonb\$v\$, 'b2'),
    ('JSON null ranks after', \$v\$'null'::jsonb\$v\$, \$v\$'"2000-01-01T00:00:00Z"'::jsonb\$v\$, 'b2'),
    ('an empty string ranks after', \$v\$'""'::jsonb\$v\$, \$v\$'"2000-01-01T00:00:00Z"'::jsonb\$v\$, 'b2'),
    ('surrounding blanks are tolerated', \$v\$'" 2026-04-30T10:00:01Z "'::jsonb\$v\$, \$v\$'"2026-04-30T10:00:00Z"'::jsonb\$v\$, 'a1'),
    ('a tie goes to the smallest uuid', \$v\$'"2026-04-30T10:00:00Z"'::jsonb\$v\$, \$v\$'"2026-04-30T12:00:00+02:00"'::jsonb\$v\$, 'a1'),
    ('two unparseable values: smallest uuid', \$v\$'"garbage"'::jsonb\$v\$, \$v\$'true'::jsonb\$v\$, 'a1')
  ) AS r(d, a, b, w);

\\pset format unaligned
\\pset tuples_only on
SELECT format('SELECT %s, %L, %L, (r).got, (r).verdict, (r).msg FROM (SELECT pg_temp.rel_case(%s, %L, %L, %L, %L) AS r) x;',
              id, descr, want, COALESCE(version::text, 'NULL'), setup, call, chk, '$s')
  FROM cases ORDER BY id
\\gexec
SQL
)
rc=$?
[ "$rc" -eq 0 ] || { cat "$REL_TMP/cases.err" >&2; bail "the case driver failed (psql exit $rc)"; }

n=0
while IFS='|' read -r id descr want got verdict msg; do
  [ -n "$id" ] || continue
  n=$((n + 1))
  if [ "$got" = "$want" ] && [ "$verdict" = ok ]; then
    ok 0 "$descr: $want"
  else
    ok 1 "$descr: $want"
    diag "got $got ($verdict): $msg"
  fi
done <<<"$out"
ok $(( n >= 40 ? 0 : 1 )) "ran $n table-driven cases (at least 40)"

done_testing
