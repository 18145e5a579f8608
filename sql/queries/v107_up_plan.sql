-- V107 up, the plan: one row per endpoint without a pin, with the rule that decides its
-- integration (docs/behaviour.md §4 step 3) and the settings row it gets (NULL: stays
-- unpinned). Read-only; works before the column exists (the unpinned hole is then `true`).
--   settings, endpoints (holes): the tables, quoted
--   candidates (hole): v107_up_candidates.sql, rendered
WITH candidates AS (
    @candidates@
), latest AS (
    -- Per provider, the row the rule picks (latest parseable last_validated_at, then the
    -- smallest uuid): an aggregate that keeps the best row so far, not a sort of every candidate.
    SELECT c.provider, phoenix_kit_mig_internal.pk_latest_validated(c.validated_text, c.uuid) AS uuid
      FROM candidates c
     WHERE c.provider IS NOT NULL
     GROUP BY c.provider
), unpinned AS (
    SELECT e.ctid AS row_id, e.uuid, e.name::text AS name, e.provider::text AS provider,
           phoenix_kit_mig_internal.pk_text_to_uuid(e.provider::text) AS provider_uuid
      FROM @endpoints@ e
     WHERE @unpinned@
    -- Fenced: each endpoint's provider is read as a uuid once (the rule and the uuid rule's
    -- look-up below both use it; without the fence the call is copied into both).
    OFFSET 0
), classified AS (
    SELECT u.*,
           -- An endpoint without a uuid cannot be told apart from another for the pin and its
           -- verification: it stays unpinned and is listed.
           CASE WHEN u.uuid IS NULL THEN NULL
                WHEN strpos(u.provider, ':') > 0 THEN 'exact'
                WHEN u.provider_uuid IS NOT NULL THEN 'uuid'
                WHEN u.provider <> '' THEN 'latest' END AS rule
      FROM unpinned u
    -- Fenced: each endpoint's rule is computed once (the CASE and the join below both use it).
    OFFSET 0
)
-- The exact and uuid rules are one index probe per endpoint of that rule (scalar subqueries),
-- not joins that would hash the whole settings table. array_agg()[1], not a bare subquery:
-- without a unique key or uuid the probe may find several rows and must not fail (the
-- pre-flight refuses such duplicates).
SELECT c.row_id, c.uuid, c.name, c.provider, c.rule,
       CASE c.rule
         WHEN 'exact' THEN (SELECT (array_agg(s.uuid ORDER BY s.uuid))[1] FROM @settings@ s WHERE s.key = 'integration:' || c.provider)
         WHEN 'uuid' THEN (SELECT (array_agg(s.uuid ORDER BY s.uuid))[1] FROM @settings@ s WHERE s.uuid = c.provider_uuid AND s.key LIKE 'integration:%')
         WHEN 'latest' THEN l.uuid END AS integration
  FROM classified c
  -- On the provider itself, not on an expression: the planner then knows each endpoint finds
  -- at most one provider row (an expression made it expect 4×10^8 rows at 10^5 endpoints, and
  -- size its hash joins for that).
  LEFT JOIN latest l ON l.provider = c.provider AND c.rule = 'latest'
