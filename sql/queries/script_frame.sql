-- The body of a migration script's DO block (docs/behaviour.md section 13); src/script.rs fills the
-- holes and wraps it in DO $tag$ ... $tag$. Everything the migration decides was decided on the
-- copy the script was made from: here the script checks that this database is that copy's
-- original (version, tables, the decision inputs of every row it reads), re-checks what a copy
-- cannot show (the role's privileges, row-level security, isolation, other tables' foreign
-- keys, triggers), applies the planned changes, verifies them on the live rows and stamps.
-- SQL, PL/pgSQL and built-in functions only, PostgreSQL 13 to 18; no superuser.
--   params (literal): {"migration", "schema", "shown_schema" and "shown_endpoints" (the names
--       as messages show them: quoted, spelled in ASCII, so that a client encoding without
--       their characters can still receive the message), "from_comment", "from_version", "stamp",
--       "tables": [names that must exist], "access": [[table|null, fact, expected, sqlstate,
--       message, hint, detail]], "facts": the copy's structural facts, "written": table name}
--   settings_data, endpoints_data (literals): [[uuid, hash, planned values ...], ...] by uuid
--   facts: one SELECT yielding the catalog facts as jsonb (catalog.sql; V107: v107_index.sql)
--   inputs: the live decision inputs (rel, uuid, input, hash) of the rows the migration reads
--   digest: one SELECT yielding {table: digest} over them (script_inputs.sql); params'
--       "inputs_digest" is the copy's
--   rows, locks, recheck, before, apply, after, verify, stamp: the migration's own statements
--   image: the expected whole row after the migration, from the before-image b.img and pk_mig_rows r
--   table: the table the migration writes rows of
DECLARE
  pk_params jsonb := @params@;
  -- Text: parsed only where a part reads them (a table's planned rows; every row only when
  -- the inputs differ from the copy's and the DETAIL must name the rows).
  pk_settings_text text := @settings_data@;
  pk_endpoints_text text := @endpoints_data@;
  pk_settings_data jsonb;
  pk_endpoints_data jsonb;
  pk_saved jsonb;
  pk_facts jsonb;
  pk_check jsonb;
  pk_pass int;
  pk_n bigint;
  pk_problems text;
  pk_version int;
  pk_whole_row boolean := false;
  pk_written bigint := 0;
BEGIN
  -- The script's own settings, for this transaction only (SET LOCAL), put back at its end:
  -- nothing the operator's session or a pooler's connection relies on is left changed.
  pk_saved := pg_catalog.jsonb_build_object(
      'search_path', pg_catalog.current_setting('search_path'), 'TimeZone', pg_catalog.current_setting('TimeZone'),
      'DateStyle', pg_catalog.current_setting('DateStyle'), 'IntervalStyle', pg_catalog.current_setting('IntervalStyle'),
      'extra_float_digits', pg_catalog.current_setting('extra_float_digits'),
      'max_parallel_workers_per_gather', pg_catalog.current_setting('max_parallel_workers_per_gather'));
  -- Nothing another role created is called instead of a built-in; the digests render dates
  -- the way they were rendered on the copy.
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  PERFORM set_config('TimeZone', 'UTC', true);
  PERFORM set_config('DateStyle', 'ISO, YMD', true);
  PERFORM set_config('IntervalStyle', 'postgres', true);
  PERFORM set_config('extra_float_digits', '1', true);
  -- The guard digests read their rows from subqueries sorted by uuid: a parallel plan could
  -- hand them to the aggregate in another order.
  PERFORM set_config('max_parallel_workers_per_gather', '0', true);

  IF current_setting('transaction_read_only') = 'on' THEN
    RAISE EXCEPTION USING ERRCODE = '25006', MESSAGE = format('%s cannot run in a read-only transaction', pk_params->>'migration'),
      HINT = 'Run the script on the primary, in a read-write transaction.';
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION USING ERRCODE = '25000', MESSAGE = format('%s must run in a READ COMMITTED transaction', pk_params->>'migration'),
      DETAIL = 'Under REPEATABLE READ or SERIALIZABLE the snapshot is taken before the script''s locks, so rows committed while it waits would not be migrated.',
      HINT = 'Run it in a READ COMMITTED transaction (PostgreSQL''s and Ecto''s default).';
  END IF;
  IF NOT has_database_privilege(current_database(), 'TEMPORARY') THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format('the %s script needs TEMPORARY on database %s', pk_params->>'migration', quote_ident(current_database())),
      DETAIL = 'It keeps its planned rows in temporary tables, dropped at its end.',
      HINT = format('GRANT TEMPORARY ON DATABASE %s TO the role that applies the script.', quote_ident(current_database()));
  END IF;

  IF current_setting('server_encoding') IS DISTINCT FROM pk_params->>'server_encoding' THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('%s: this database''s encoding is %s, the copy the script was made from was %s', pk_params->>'migration',
                       current_setting('server_encoding'), pk_params->>'server_encoding'),
      DETAIL = 'The script compares the values it decides by byte for byte, and the same bytes are other characters in another encoding.',
      HINT = 'Restore the dump into a database with this encoding (CREATE DATABASE ... ENCODING ...) and make the script there.';
  END IF;
  IF to_regclass('pg_temp.pk_mig_rows') IS NOT NULL OR to_regclass('pg_temp.pk_mig_before') IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('%s: this session has a temporary table named pk_mig_rows or pk_mig_before, which the script needs for itself', pk_params->>'migration'),
      HINT = 'Drop it, or apply the script in a new session.';
  END IF;

  -- Checked before the locks (refused without waiting), and again under them (what the run
  -- relies on cannot change any more).
  FOR pk_pass IN 1..2 LOOP
    IF pk_pass = 2 THEN
      @locks@
    END IF;
    pk_facts := (@facts@);
    IF NOT COALESCE((pk_facts->>'schema_present')::boolean, false) THEN
      RAISE EXCEPTION USING ERRCODE = '3F000', MESSAGE = format('schema %s does not exist', (pk_params->>'shown_schema')),
        HINT = 'The script names the schema it was made for; apply it to the database whose tables were copied.';
    END IF;
    FOR pk_check IN SELECT e.value FROM jsonb_array_elements(pk_params->'tables') e LOOP
      IF NOT COALESCE((pk_facts->'tables'->(pk_check->>0)->>'present')::boolean, false) THEN
        RAISE EXCEPTION USING ERRCODE = '42P01',
          MESSAGE = format('relation %s.%s does not exist', (pk_params->>'shown_schema'), quote_ident(pk_check->>0));
      END IF;
    END LOOP;
    -- The role's privileges and row-level security (section 11.7, section 11.2): the extension's own checks,
    -- carried as data.
    FOR pk_check IN SELECT e.value FROM jsonb_array_elements(pk_params->'access') e LOOP
      IF COALESCE(CASE WHEN pk_check->>0 IS NULL THEN (pk_facts->>'schema_usage')::boolean
                       ELSE (pk_facts->'tables'->(pk_check->>0)->>(pk_check->>1))::boolean END, false)
         IS DISTINCT FROM (pk_check->>2)::boolean THEN
        -- (An empty DETAIL or HINT would still print its label: each is given only when set.)
        IF pk_check->>5 IS NOT NULL AND pk_check->>6 IS NOT NULL THEN
          RAISE EXCEPTION USING ERRCODE = pk_check->>3, MESSAGE = pk_check->>4, HINT = pk_check->>5, DETAIL = pk_check->>6;
        ELSIF pk_check->>6 IS NOT NULL THEN
          RAISE EXCEPTION USING ERRCODE = pk_check->>3, MESSAGE = pk_check->>4, DETAIL = pk_check->>6;
        ELSIF pk_check->>5 IS NOT NULL THEN
          RAISE EXCEPTION USING ERRCODE = pk_check->>3, MESSAGE = pk_check->>4, HINT = pk_check->>5;
        ELSE
          RAISE EXCEPTION USING ERRCODE = pk_check->>3, MESSAGE = pk_check->>4;
        END IF;
      END IF;
    END LOOP;
  END LOOP;

  IF pk_facts->'tables'->'phoenix_kit'->>'comment' IS NULL THEN
    pk_version := 1;
  ELSIF btrim(pk_facts->'tables'->'phoenix_kit'->>'comment') ~ '^[+-]?[0-9]{1,9}$' THEN
    pk_version := btrim(pk_facts->'tables'->'phoenix_kit'->>'comment')::int;
  ELSE
    RAISE EXCEPTION USING ERRCODE = '22P02',
      MESSAGE = format('the comment on %s.phoenix_kit is not a version number: "%s"', (pk_params->>'shown_schema'), pk_facts->'tables'->'phoenix_kit'->>'comment'),
      HINT = 'PhoenixKit records its schema version as the integer comment of this table.';
  END IF;

  IF pk_params->>'written' = 'phoenix_kit_settings' THEN
    pk_settings_data := pk_settings_text::jsonb;
  ELSE
    pk_endpoints_data := pk_endpoints_text::jsonb;
  END IF;
  @rows@
  ANALYZE pg_temp.pk_mig_rows;

  -- Already applied (a second run after a commit whose answer was lost): the stamp and every
  -- planned row as planned. Nothing changes.
  -- (Only for a script that stamps a new version: one made at the version it stamps (a safe
  -- re-run) cannot tell its own finished work from rows that changed since the copy.)
  IF pk_version = (pk_params->>'final_version')::int AND pk_version IS DISTINCT FROM (pk_params->>'from_version')::int THEN
    @verify@
    IF pk_n = 0 THEN
      RAISE NOTICE '%', format('phoenix_kit_mig script: %s was already applied to schema %s (version %s, every planned row as planned); nothing changed',
                               pk_params->>'migration', (pk_params->>'shown_schema'), pk_version);
      DROP TABLE pg_temp.pk_mig_rows;
      PERFORM set_config(s.key, s.value, true) FROM jsonb_each_text(pk_saved) s;
      RETURN;
    END IF;
  END IF;
  IF pk_version IS DISTINCT FROM (pk_params->>'from_version')::int THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('%s: the script was made at version %s of %s.phoenix_kit, but it is at version %s', pk_params->>'migration',
                       pk_params->>'from_version', (pk_params->>'shown_schema'), pk_version),
      HINT = 'Make a new script from a fresh copy of the tables (pk_migration_script on the restored dump).';
  END IF;

  -- Under the locks, what the extension refuses about the tables (section 11.1: kind, inheritance, rules, foreign
  -- keys, collations, generated columns, constraints, columns, indexes) is a function of
  -- these facts; on the copy they passed.
  SELECT count(*), string_agg(format('%s %s: on the copy %s, here %s', t.key, k.key, k.value, COALESCE(pk_facts->'tables'->t.key->k.key, 'null')), E'\n' ORDER BY t.key, k.key)
    INTO pk_n, pk_problems
    FROM jsonb_each(pk_params->'facts'->'tables') t, jsonb_each(t.value) k
   WHERE pk_facts->'tables'->t.key->k.key IS DISTINCT FROM k.value;
  IF pk_n = 0 AND pk_facts->'indexes' IS DISTINCT FROM pk_params->'facts'->'indexes' THEN
    pk_n := 1;
    pk_problems := format('indexes with the names of V107''s: on the copy %s, here %s', pk_params->'facts'->'indexes', pk_facts->'indexes');
  END IF;
  IF pk_n > 0 THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('%s: the tables of schema %s differ from the copy the script was made from', pk_params->>'migration', (pk_params->>'shown_schema')),
      DETAIL = pk_problems,
      HINT = 'A foreign key, rule, constraint, collation, column or index that the copy does not have can change what the migration does. Make the tables match, or dump them again and make a new script.';
  END IF;

  -- The decision inputs of every row the migration reads, as on the copy: one digest per table
  -- first; only when one differs are the rows compared one by one, by their hashes, to name them.
  IF (@digest@) IS DISTINCT FROM pk_params->'inputs_digest' THEN
    WITH live AS MATERIALIZED (@inputs@),
         copy AS (SELECT 'phoenix_kit_settings'::text AS rel, (e.value->>0)::uuid AS uuid, e.value->>1 AS hash
                    FROM jsonb_array_elements(pk_settings_text::jsonb) e
                  UNION ALL
                  SELECT 'phoenix_kit_ai_endpoints', (e.value->>0)::uuid, e.value->>1 FROM jsonb_array_elements(pk_endpoints_text::jsonb) e),
         diff AS ((SELECT l.rel, l.uuid, l.hash FROM live l EXCEPT ALL SELECT c.rel, c.uuid, c.hash FROM copy c)
                  UNION ALL
                  (SELECT c.rel, c.uuid, c.hash FROM copy c EXCEPT ALL SELECT l.rel, l.uuid, l.hash FROM live l))
    SELECT count(DISTINCT (d.rel, d.uuid)),
           array_to_string((array_agg(DISTINCT format('%s %s', d.rel, COALESCE(d.uuid::text, '(no uuid)'))))[1:50], E'\n')
      INTO pk_n, pk_problems
      FROM diff d;
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('%s: the database differs from the one the script was made from: %s row(s) of schema %s changed, appeared or disappeared since the copy',
                       pk_params->>'migration', pk_n, (pk_params->>'shown_schema')),
      DETAIL = format(E'rows (the first 50):\n%s', COALESCE(pk_problems, '(none found by their hashes: a change their 64-bit hashes do not show)')),
      HINT = 'The script was made from values these rows no longer hold. Dump the tables again, review a new plan and make a new script.';
  END IF;
  @recheck@

  -- A trigger of the table's users (or a user function in a constraint or index) runs during
  -- the UPDATE and may change what the plan did not show: then the whole table is compared
  -- with what the plan says it becomes (section 11.3). A deferred one would run after that check.
  SELECT string_agg(quote_ident(g.tgname), ', ' ORDER BY g.tgname) INTO pk_problems
    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = pk_params->>'schema' AND c.relname = pk_params->>'written'
     AND NOT g.tgisinternal AND g.tgenabled <> 'D' AND g.tgdeferrable;
  IF pk_problems IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '55000',
      MESSAGE = format('%s: %s.%s has deferrable trigger(s) that would run after the script''s verify step', pk_params->>'migration',
                       (pk_params->>'shown_schema'), quote_ident(pk_params->>'written')),
      DETAIL = format('triggers: %s', pk_problems),
      HINT = 'Disable them for the transaction (ALTER TABLE ... DISABLE TRIGGER ..., as the table''s owner), then apply the script.';
  END IF;
  pk_whole_row := COALESCE((pk_facts->'tables'->(pk_params->>'written')->>'user_code_on_update')::boolean, false);
  IF pk_whole_row THEN
    CREATE TEMPORARY TABLE pk_mig_before ON COMMIT DROP AS SELECT w.uuid, to_jsonb(w) AS img FROM @table@ w;
  END IF;

  IF pk_whole_row THEN
    -- The table's user code runs during the UPDATE and could change the script's own tables.
    pk_check := jsonb_build_object(
      'rows', (SELECT md5(string_agg(r::text, E'\n' ORDER BY r::text COLLATE "C")) FROM pg_temp.pk_mig_rows r),
      'before', (SELECT md5(string_agg(b::text, E'\n' ORDER BY b::text COLLATE "C")) FROM pg_temp.pk_mig_before b));
  END IF;
  @before@
  @apply@
  @after@
  -- Deferred trigger events (left pending by the caller, or queued by the changes) run now,
  -- before the verify step, not at COMMIT after it.
  SET CONSTRAINTS ALL IMMEDIATE;
  IF pk_whole_row THEN
    -- (Nested: the query names pk_mig_before, which exists only here.)
    IF pk_check IS DISTINCT FROM jsonb_build_object(
        'rows', (SELECT md5(string_agg(r::text, E'\n' ORDER BY r::text COLLATE "C")) FROM pg_temp.pk_mig_rows r),
        'before', (SELECT md5(string_agg(b::text, E'\n' ORDER BY b::text COLLATE "C")) FROM pg_temp.pk_mig_before b)) THEN
      RAISE EXCEPTION USING ERRCODE = '27000',
        MESSAGE = format('%s: the script''s own planned rows were changed while it ran', pk_params->>'migration'),
        HINT = format('Nothing was changed. The table''s triggers: %s. Their owner can disable one for the transaction (ALTER TABLE ... DISABLE TRIGGER ...) before the script.',
                      (SELECT string_agg(t.value, ', ') FROM jsonb_array_elements_text(pk_facts->'tables'->(pk_params->>'written')->'user_triggers') t));
    END IF;
  END IF;

  @verify@
  IF pk_n > 0 THEN
    RAISE EXCEPTION USING ERRCODE = '27000',
      MESSAGE = format('%s: %s row(s) of schema %s did not end as planned', pk_params->>'migration', pk_n, (pk_params->>'shown_schema')),
      DETAIL = pk_problems,
      HINT = 'Nothing was changed. Something in this database changed the rows while the script ran; find it (triggers, rules), then apply the script again.';
  END IF;
  IF pk_whole_row THEN
    WITH expected AS (SELECT b.uuid, @image@ AS img FROM pg_temp.pk_mig_before b LEFT JOIN pg_temp.pk_mig_rows r ON r.uuid = b.uuid),
         live AS (SELECT w.uuid, to_jsonb(w) AS img FROM @table@ w),
         diff AS ((SELECT l.uuid, l.img FROM live l EXCEPT ALL SELECT x.uuid, x.img FROM expected x)
                  UNION ALL
                  (SELECT x.uuid, x.img FROM expected x EXCEPT ALL SELECT l.uuid, l.img FROM live l))
    SELECT count(*), string_agg(u.line, E'\n' ORDER BY u.line)
      INTO pk_n, pk_problems
      FROM (SELECT format('%s: %s', COALESCE(d.uuid::text, '(no uuid)'),
                          COALESCE((SELECT string_agg(k.key, ', ' ORDER BY k.key)
                                      FROM (SELECT jsonb_object_keys(l.img) UNION SELECT jsonb_object_keys(x.img)) k(key)
                                     WHERE l.img->k.key IS DISTINCT FROM x.img->k.key), 'the row was added or removed')) AS line
              FROM (SELECT DISTINCT diff.uuid FROM diff) d
              LEFT JOIN live l ON l.uuid IS NOT DISTINCT FROM d.uuid
              LEFT JOIN expected x ON x.uuid IS NOT DISTINCT FROM d.uuid) u;
    IF pk_n > 0 THEN
      RAISE EXCEPTION USING ERRCODE = '27000',
        MESSAGE = format('%s: %s row(s) of %s.%s differ from the plan beyond its changes', pk_params->>'migration', pk_n,
                         (pk_params->>'shown_schema'), quote_ident(pk_params->>'written')),
        DETAIL = pk_problems,
        HINT = format('Nothing was changed. The table''s triggers: %s. Their owner can disable one for the transaction (ALTER TABLE ... DISABLE TRIGGER ...) before the script.',
                      (SELECT string_agg(t.value, ', ') FROM jsonb_array_elements_text(pk_facts->'tables'->(pk_params->>'written')->'user_triggers') t));
    END IF;
    DROP TABLE pg_temp.pk_mig_before;
  END IF;

  @stamp@
  RAISE NOTICE '%', format('phoenix_kit_mig script: %s applied to schema %s: %s row(s) of %s written and verified%s',
                           pk_params->>'migration', (pk_params->>'shown_schema'), pk_written, pk_params->>'written',
                           COALESCE(', stamped version ' || (pk_params->>'stamp'), ''));
  DROP TABLE pg_temp.pk_mig_rows;
  PERFORM set_config(s.key, s.value, true) FROM jsonb_each_text(pk_saved) s;
END
