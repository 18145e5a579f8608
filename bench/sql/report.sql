-- Turns the raw runs (TSV on stdin, see scripts/bench.sh) into the markdown result tables.
-- Run as: psql -X -f bench/sql/report.sql < runs.tsv
\set ON_ERROR_STOP 1
\set QUIET 1
\pset pager off
\pset format unaligned
\pset tuples_only on
\pset fieldsep ''

CREATE TEMP TABLE runs (
  migration text, rows bigint, endpoints bigint, round int, variant text, status text, ms float8,
  hwm_before bigint, hwm_after bigint, anon_before bigint, anon_peak bigint, anon_after bigint,
  so_mapped bigint, so_disk_before bigint, so_disk_after bigint, fingerprint text, agree text, build text,
  script_bytes bigint, changed_rows bigint, changed_text_bytes bigint
);
\copy runs FROM pstdin WITH (FORMAT csv, DELIMITER E'\t', HEADER true)

CREATE TEMP TABLE stats AS
SELECT migration, rows, endpoints, variant,
       count(*) FILTER (WHERE status = 'ok') AS n_ok,
       count(*) FILTER (WHERE status <> 'ok') AS n_failed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE status = 'ok') AS med,
       min(ms) FILTER (WHERE status = 'ok') AS lo,
       max(ms) FILTER (WHERE status = 'ok') AS hi,
       max(hwm_after - hwm_before) FILTER (WHERE status = 'ok') AS hwm_growth_kb,
       max(GREATEST(anon_peak, anon_after) - anon_before) FILTER (WHERE status = 'ok') AS anon_growth_kb,
       max(so_mapped) AS so_mapped,
       min(script_bytes) FILTER (WHERE status = 'ok') AS script_min,
       max(script_bytes) FILTER (WHERE status = 'ok') AS script_max,
       max(changed_rows) AS changed_rows,
       max(changed_text_bytes) AS changed_text_bytes
  FROM runs GROUP BY 1, 2, 3, 4;

CREATE TEMP TABLE mig_order (migration text, ord int);
INSERT INTO mig_order VALUES ('v114_up', 1), ('v114_down', 2), ('v107_up', 3), ('v107_down', 4);

CREATE FUNCTION pg_temp.ms(v float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN 'n/a' WHEN v >= 100 THEN to_char(round(v::numeric), 'FM999999999') ELSE to_char(v, 'FM9990.0') END $$;
CREATE FUNCTION pg_temp.mib(kb bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN kb IS NULL THEN 'n/a' ELSE to_char(kb / 1024.0, 'FM99990.0') END $$;
CREATE FUNCTION pg_temp.ratio(a float8, b float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL OR b IS NULL OR b = 0 THEN 'n/a' ELSE to_char(a / b, 'FM990.00') END $$;
CREATE FUNCTION pg_temp.cell(s stats) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN s.med IS NULL THEN CASE WHEN s.n_failed > 0 THEN 'FAILED' ELSE 'n/a' END
              ELSE pg_temp.ms(s.med) || ' (' || pg_temp.ms(s.lo) || '–' || pg_temp.ms(s.hi) || ')'
                   || CASE WHEN s.n_failed > 0 THEN ' +' || s.n_failed || ' failed' ELSE '' END END $$;

CREATE TEMP TABLE wide AS
SELECT o.ord, k.migration, k.rows, k.endpoints, a AS sa, b AS sb, c AS sc
  FROM (SELECT DISTINCT migration, rows, endpoints FROM stats) k
  JOIN mig_order o USING (migration)
  LEFT JOIN stats a ON a.migration = k.migration AND a.rows = k.rows AND a.variant = 'A'
  LEFT JOIN stats b ON b.migration = k.migration AND b.rows = k.rows AND b.variant = 'B'
  LEFT JOIN stats c ON c.migration = k.migration AND c.rows = k.rows AND c.variant = 'C';

\echo '## Medians'
\echo ''
\echo 'Milliseconds for the whole `BEGIN; …; COMMIT;` (sum of psql `\\timing`), median (min–max) over the rounds.'
\echo 'A = extension, B = upstream SQL, C = floor. Memory: the largest growth over the rounds of the backend'
\echo 'running A — VmHWM (peak RSS, which also counts every shared-buffer page the backend touches) and'
\echo 'RssAnon (private memory, peak sampled every 20 ms); B''s VmHWM growth for comparison.'
\echo ''
\echo '| migration | settings rows | endpoints | A ext ms | B upstream ms | C floor ms | A/B | A/C | A VmHWM +MiB | A private +MiB | B VmHWM +MiB |'
\echo '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
              migration, rows, CASE WHEN migration LIKE 'v107%' THEN endpoints::text ELSE '–' END,
              pg_temp.cell(sa), pg_temp.cell(sb), pg_temp.cell(sc),
              pg_temp.ratio((sa).med, (sb).med), pg_temp.ratio((sa).med, (sc).med),
              pg_temp.mib((sa).hwm_growth_kb), pg_temp.mib((sa).anon_growth_kb), pg_temp.mib((sb).hwm_growth_kb))
  FROM wide ORDER BY ord, rows;

\echo ''
\echo '## Scaling (median at 10× the rows ÷ median at the smaller size)'
\echo ''
\echo '| migration | rows | A | B | C |'
\echo '|---|---|--:|--:|--:|'
SELECT format('| %s | %s → %s | %s | %s | %s |', w.migration, w.rows, w2.rows,
              pg_temp.ratio((w2.sa).med, (w.sa).med), pg_temp.ratio((w2.sb).med, (w.sb).med), pg_temp.ratio((w2.sc).med, (w.sc).med))
  FROM wide w JOIN wide w2 ON w2.migration = w.migration AND w2.rows = w.rows * 10
 ORDER BY w.ord, w.rows;

-- Targets, judged at the largest size run for each migration.
CREATE TEMP TABLE top AS
SELECT DISTINCT ON (migration) * FROM wide ORDER BY migration, rows DESC;

CREATE FUNCTION pg_temp.verdict(ok boolean) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN ok IS NULL THEN 'n/a' WHEN ok THEN 'met' ELSE '**MISSED**' END $$;
-- The ratio and memory targets are stated at 10^6 settings rows: below that, no verdict.
CREATE FUNCTION pg_temp.verdict(ok boolean, rows bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN rows < 1000000 THEN 'n/a (judged at 10^6 rows)' ELSE pg_temp.verdict(ok) END $$;

\echo ''
\echo '## Targets'
\echo ''
\echo '| target | measured | verdict |'
\echo '|---|---|---|'
SELECT format('| v114_up ≤ 1.10× upstream (at %s rows) | %s | %s |', rows, pg_temp.ratio((sa).med, (sb).med),
              pg_temp.verdict((sa).med / NULLIF((sb).med, 0) <= 1.10, rows))
  FROM top WHERE migration = 'v114_up';
SELECT format('| v114_up ≤ 1.10× floor (at %s rows) | %s | %s |', rows, pg_temp.ratio((sa).med, (sc).med),
              pg_temp.verdict((sa).med / NULLIF((sc).med, 0) <= 1.10, rows))
  FROM top WHERE migration = 'v114_up';
SELECT format('| v107_up ≤ 1.00× upstream (at %s settings rows, %s endpoints) | %s | %s |', rows, endpoints,
              pg_temp.ratio((sa).med, (sb).med), pg_temp.verdict((sa).med / NULLIF((sb).med, 0) <= 1.00, rows))
  FROM top WHERE migration = 'v107_up';
-- PhoenixKit's real size (scripts/bench.sh --real-size: 10^3 settings rows, 10^2 endpoints,
-- the library loaded by the timed call): every migration ≤ 1.10× upstream.
SELECT format('| %s ≤ 1.10× upstream at the real size (%s settings rows%s) | %s | %s |', migration, rows,
              CASE WHEN migration LIKE 'v107%' THEN format(', %s endpoints', endpoints) ELSE '' END,
              pg_temp.ratio((sa).med, (sb).med), pg_temp.verdict((sa).med / NULLIF((sb).med, 0) <= 1.10))
  FROM wide WHERE rows = 1000 ORDER BY ord;
SELECT format('| %s backend memory growth ≤ 64 MiB (at %s rows) | private %s MiB, VmHWM %s MiB | %s |',
              migration, rows, pg_temp.mib((sa).anon_growth_kb), pg_temp.mib((sa).hwm_growth_kb),
              CASE WHEN rows < 1000000 THEN 'n/a (judged at 10^6 rows)'
                   ELSE pg_temp.verdict((sa).anon_growth_kb <= 64 * 1024) || ' (private), '
                        || pg_temp.verdict((sa).hwm_growth_kb <= 64 * 1024) || ' (VmHWM)' END)
  FROM top ORDER BY ord;
SELECT format('| %s linear: 10× rows ≤ 12× time (A, %s → %s rows) | %s | %s |', w.migration, w.rows, w2.rows,
              pg_temp.ratio((w2.sa).med, (w.sa).med), pg_temp.verdict((w2.sa).med / NULLIF((w.sa).med, 0) <= 12))
  FROM wide w JOIN wide w2 ON w2.migration = w.migration AND w2.rows = w.rows * 10
 ORDER BY w.ord, w.rows;

SELECT format('| pk_migration_plan(%s) ≤ 1.5× the migration (at %s rows) | %s | %s |', w.migration, w.rows,
              pg_temp.ratio(p.med, (w.sa).med),
              CASE WHEN (w.migration = 'v114_up' AND w.rows < 1000000) OR (w.migration = 'v107_up' AND w.endpoints < 100000)
                   THEN 'n/a (judged at 10^6 settings rows / 10^5 endpoints)' ELSE pg_temp.verdict(p.med / NULLIF((w.sa).med, 0) <= 1.5) END)
  FROM top w JOIN stats p ON p.migration = w.migration AND p.rows = w.rows AND p.variant = 'P'
 ORDER BY w.ord;
-- pk_migration_script (docs/behaviour.md §13), at 10^5 settings rows: generating (G) ≤ 2× the
-- migration (A), the script ≤ 2× the text of the rows it changes, applying it (S) ≤ 1.5× A.
SELECT format('| pk_migration_script(%s): generating ≤ 2× the migration (at %s settings rows) | %s | %s |', w.migration, w.rows,
              pg_temp.ratio(g.med, (w.sa).med),
              CASE WHEN w.rows <> 100000 THEN 'n/a (judged at 10^5 settings rows)'
                   ELSE pg_temp.verdict(g.med / NULLIF((w.sa).med, 0) <= 2) END)
  FROM wide w JOIN stats g ON g.migration = w.migration AND g.rows = w.rows AND g.variant = 'G'
 WHERE w.rows = 100000 OR w.rows = (SELECT max(rows) FROM wide x WHERE x.migration = w.migration)
 ORDER BY w.ord, w.rows;
SELECT format('| pk_migration_script(%s): the script ≤ 2× the text of the rows it changes (at %s settings rows) | %s | %s |', w.migration, w.rows,
              pg_temp.ratio(g.script_max, g.changed_text_bytes),
              CASE WHEN w.rows <> 100000 THEN 'n/a (judged at 10^5 settings rows)'
                   ELSE pg_temp.verdict(g.script_max <= 2 * g.changed_text_bytes) END)
  FROM wide w JOIN stats g ON g.migration = w.migration AND g.rows = w.rows AND g.variant = 'G'
 WHERE w.rows = 100000 OR w.rows = (SELECT max(rows) FROM wide x WHERE x.migration = w.migration)
 ORDER BY w.ord, w.rows;
SELECT format('| pk_migration_script(%s): applying ≤ 1.5× the migration (at %s settings rows) | %s | %s |', w.migration, w.rows,
              pg_temp.ratio(x.med, (w.sa).med),
              CASE WHEN w.rows <> 100000 THEN 'n/a (judged at 10^5 settings rows)'
                   ELSE pg_temp.verdict(x.med / NULLIF((w.sa).med, 0) <= 1.5) END)
  FROM wide w JOIN stats x ON x.migration = w.migration AND x.rows = w.rows AND x.variant = 'S'
 WHERE w.rows = 100000 OR w.rows = (SELECT max(rows) FROM wide y WHERE y.migration = w.migration)
 ORDER BY w.ord, w.rows;
SELECT format('| pk_migration_plan(%s) backend memory growth ≤ 64 MiB (at %s rows) | private %s MiB | %s |', w.migration, w.rows,
              pg_temp.mib(p.anon_growth_kb), pg_temp.verdict(p.anon_growth_kb <= 64 * 1024))
  FROM top w JOIN stats p ON p.migration = w.migration AND p.rows = w.rows AND p.variant = 'P'
 ORDER BY w.ord;

-- R (scripts/bench.sh --with-release): A of a released version, timed in the same rounds as A
-- and B. Each round's A/B and R/B share that round's B, so the rounds' spread of R/B is what
-- the run itself shows as noise for the released version's ratio.
SELECT count(*) > 0 AS has_r FROM runs WHERE variant = 'R' \gset
\if :has_r
CREATE TEMP TABLE rounds_r AS
SELECT a.migration, a.rows, a.endpoints, a.round,
       a.ms / NULLIF(b.ms, 0) AS ab, r.ms / NULLIF(b.ms, 0) AS rb, a.ms / NULLIF(r.ms, 0) AS ar, a.ms - r.ms AS ad
  FROM runs a
  JOIN runs b ON b.migration = a.migration AND b.rows = a.rows AND b.round = a.round AND b.variant = 'B' AND b.status = 'ok'
  JOIN runs r ON r.migration = a.migration AND r.rows = a.rows AND r.round = a.round AND r.variant = 'R' AND r.status = 'ok'
 WHERE a.variant = 'A' AND a.status = 'ok';
CREATE TEMP TABLE stats_r AS
SELECT migration, rows, endpoints, count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ab) AS ab_med, min(ab) AS ab_lo, max(ab) AS ab_hi,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY rb) AS rb_med, min(rb) AS rb_lo, max(rb) AS rb_hi,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ar) AS ar_med, min(ar) AS ar_lo, max(ar) AS ar_hi,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ad) AS ad_med, count(*) FILTER (WHERE ad > 0) AS a_slower
  FROM rounds_r GROUP BY 1, 2, 3;
CREATE FUNCTION pg_temp.spread(med float8, lo float8, hi float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.ratio(med, 1) || ' (' || pg_temp.ratio(lo, 1) || '–' || pg_temp.ratio(hi, 1) || ')' $$;
\echo ''
SELECT format('## R: %s against %s, interleaved (same run, same copies)', 'A', :'release');
\echo ''
SELECT format('A = the build (`SELECT pk_migrate_…(''public'')`), R = the same call on a copy with the released %s', :'release');
\echo '(`CREATE EXTENSION phoenix_kit_mig VERSION …`, its functions on that version''s release .so), B = upstream SQL;'
\echo 'each timed in every round, A R B next to each other. Milliseconds: median (min–max) over the rounds.'
\echo 'Ratios are taken per round (A and R against the same round''s B): median (min–max) over the rounds.'
\echo 'Verdict "A/B no worse than R/B beyond the run''s spread": met when the median A/B is at most the'
\echo 'largest R/B of any round. A/R and A−R (same round) tell by how much A is slower (> 1, > 0) or faster'
\echo 'than R; "A slower" counts the rounds in which it was: with no real difference, all of n rounds'
\echo 'has the chance 1/2^n.'
\echo ''
\echo '| migration | settings rows | endpoints | A ms | R ms | B ms | A/B per round | R/B per round | A/R per round | A−R ms, median | A slower | A private +MiB | R private +MiB | verdict |'
\echo '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |', w.migration, w.rows,
              CASE WHEN w.migration LIKE 'v107%' THEN w.endpoints::text ELSE '–' END,
              pg_temp.cell(w.sa), pg_temp.cell(r), pg_temp.cell(w.sb),
              pg_temp.spread(x.ab_med, x.ab_lo, x.ab_hi), pg_temp.spread(x.rb_med, x.rb_lo, x.rb_hi),
              pg_temp.spread(x.ar_med, x.ar_lo, x.ar_hi),
              CASE WHEN x.ad_med IS NULL THEN 'n/a' ELSE CASE WHEN x.ad_med > 0 THEN '+' ELSE '' END || pg_temp.ms(x.ad_med) END,
              COALESCE(x.a_slower || '/' || x.n, 'n/a'),
              pg_temp.mib((w.sa).anon_growth_kb), pg_temp.mib(r.anon_growth_kb),
              CASE WHEN x.n IS NULL THEN '**FAILED** (no round with A, R and B)' ELSE pg_temp.verdict(x.ab_med <= x.rb_hi) END)
  FROM wide w JOIN stats r ON r.migration = w.migration AND r.rows = w.rows AND r.variant = 'R'
              LEFT JOIN stats_r x ON x.migration = w.migration AND x.rows = w.rows
 ORDER BY w.ord, w.rows;
\echo ''
SELECT format('- %s, %s settings rows%s: A/B no worse than R/B beyond the run''s spread — %s (A/B median %s %s R/B max %s; A/R median %s, A slower than R in %s of %s round(s))',
              w.migration, w.rows, CASE WHEN w.migration LIKE 'v107%' THEN format(', %s endpoints', w.endpoints) ELSE '' END,
              CASE WHEN x.n IS NULL THEN '**FAILED**' ELSE pg_temp.verdict(x.ab_med <= x.rb_hi) END,
              pg_temp.ratio(x.ab_med, 1), CASE WHEN x.ab_med <= x.rb_hi THEN '≤' ELSE '>' END,
              pg_temp.ratio(x.rb_hi, 1), pg_temp.ratio(x.ar_med, 1), COALESCE(x.a_slower, 0), COALESCE(x.n, 0))
  FROM wide w JOIN stats r ON r.migration = w.migration AND r.rows = w.rows AND r.variant = 'R'
              LEFT JOIN stats_r x ON x.migration = w.migration AND x.rows = w.rows
 ORDER BY w.ord, w.rows;
\endif

SELECT count(*) > 0 AS has_p FROM runs WHERE variant = 'P' \gset
\if :has_p
\echo ''
\echo '## P: the plan preview, SELECT count(*) FROM pk_migration_plan(…) (same run, same copies)'
\echo ''
\echo '| migration | settings rows | endpoints | P plan ms | A migration ms | P/A | P private +MiB | P VmHWM +MiB |'
\echo '|---|--:|--:|--:|--:|--:|--:|--:|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |', w.migration, w.rows, CASE WHEN w.migration LIKE 'v107%' THEN w.endpoints::text ELSE '–' END,
              pg_temp.cell(p), pg_temp.cell(w.sa), pg_temp.ratio(p.med, (w.sa).med),
              pg_temp.mib(p.anon_growth_kb), pg_temp.mib(p.hwm_growth_kb))
  FROM wide w JOIN stats p ON p.migration = w.migration AND p.rows = w.rows AND p.variant = 'P'
 ORDER BY w.ord, w.rows;
\endif

SELECT count(*) > 0 AS has_g FROM runs WHERE variant IN ('G', 'S') \gset
\if :has_g
\echo ''
\echo '## G and S: pk_migration_script (same run, same copies, interleaved with A)'
\echo ''
\echo 'G = generating the script: `SELECT pk_migration_script(<m>, ''public'') \\g FILE` on a copy with the'
\echo 'extension (BEGIN … COMMIT timed as A is; the text is sent to psql and written to FILE). S = applying'
\echo 'FILE to a fresh copy without the extension: the script''s own `BEGIN; DO …; COMMIT;`, the sum of psql'
\echo '`\\timing` as for A. Script = its size in bytes (min–max over the rounds when they differ). Changed rows'
\echo '= the rows the migration changes (V114 up: keys `integration:%`; V114 down: module `integrations`'
\echo 'keyed by their uuid; V107 up: endpoints the plan pins; V107 down: endpoints with an'
\echo '`integration_uuid`), and their text = the sum of `octet_length(row_to_json(t)::text)`.'
\echo ''
\echo '| migration | settings rows | endpoints | A ms | G generate ms | S apply ms | G/A | S/A | script bytes | changed rows | their text bytes | script/text | G private +MiB | S private +MiB |'
\echo '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |', w.migration, w.rows,
              CASE WHEN w.migration LIKE 'v107%' THEN w.endpoints::text ELSE '–' END,
              pg_temp.cell(w.sa), pg_temp.cell(g), pg_temp.cell(x),
              pg_temp.ratio(g.med, (w.sa).med), pg_temp.ratio(x.med, (w.sa).med),
              COALESCE(g.script_max::text || CASE WHEN g.script_min <> g.script_max THEN format(' (min %s)', g.script_min) ELSE '' END, 'n/a'),
              COALESCE(g.changed_rows::text, 'n/a'), COALESCE(g.changed_text_bytes::text, 'n/a'),
              pg_temp.ratio(g.script_max, g.changed_text_bytes),
              pg_temp.mib(g.anon_growth_kb), pg_temp.mib(x.anon_growth_kb))
  FROM wide w LEFT JOIN stats g ON g.migration = w.migration AND g.rows = w.rows AND g.variant = 'G'
              LEFT JOIN stats x ON x.migration = w.migration AND x.rows = w.rows AND x.variant = 'S'
 WHERE g.variant IS NOT NULL OR x.variant IS NOT NULL
 ORDER BY w.ord, w.rows;
\endif

SELECT count(*) > 0 AS has_d FROM runs WHERE variant = 'D' \gset
\if :has_d
\echo ''
\echo '## D: the proposed fixes (bench/sql/proposed/, same run, same copies)'
\echo ''
\echo '| migration | settings rows | D proposed ms | D/B | D/C | D/A | D private +MiB |'
\echo '|---|--:|--:|--:|--:|--:|--:|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s |', w.migration, w.rows, pg_temp.cell(d),
              pg_temp.ratio(d.med, (w.sb).med), pg_temp.ratio(d.med, (w.sc).med), pg_temp.ratio(d.med, (w.sa).med),
              pg_temp.mib(d.anon_growth_kb))
  FROM wide w JOIN stats d ON d.migration = w.migration AND d.rows = w.rows AND d.variant = 'D'
 ORDER BY w.ord, w.rows;
\endif
\echo ''
\echo '## Checks'
\echo ''
SELECT format('- %s runs, %s failed; end states that must agree: %s.', count(*), count(*) FILTER (WHERE status <> 'ok'),
              CASE WHEN bool_and(agree = 'yes') THEN 'all agree'
                   ELSE (count(*) FILTER (WHERE agree <> 'yes'))::text || ' run(s) DIFFER (see the raw TSV)' END)
  FROM runs;
SELECT format('- Library mapped by the backends of A (a private copy of the installed build, see scripts/bench.sh): %s bytes — %s.',
              string_agg(DISTINCT so_mapped::text, ', '),
              CASE WHEN max(so_mapped) = 0 THEN 'NOT FOUND'
                   WHEN max(so_mapped) < 20000000 THEN 'a release build' ELSE 'NOT a release build' END)
  FROM runs WHERE variant = 'A' AND status = 'ok';
\if :has_r
SELECT format('- Library mapped by the backends of R (a private copy of %s''s .so): %s bytes — %s.', :'release',
              string_agg(DISTINCT so_mapped::text, ', '),
              CASE WHEN max(so_mapped) = 0 THEN 'NOT FOUND'
                   WHEN max(so_mapped) < 20000000 THEN 'a release build' ELSE 'NOT a release build' END)
  FROM runs WHERE variant = 'R' AND status = 'ok';
\endif
SELECT format('- %s immediately before / after each timed run of A: %s.', '/usr/lib/postgresql/15/lib/phoenix_kit_mig.so',
              string_agg(DISTINCT so_disk_before || ' / ' || so_disk_after || ' bytes', '; '))
  FROM runs WHERE variant = 'A' AND status = 'ok';
