-- V107 up, row by row, for pk_migration_plan: every endpoint without a pin, with the
-- integration its plan (v107_up_plan.sql) gives it and the rule that decided — for the
-- latest-validated rule the chosen row, its last_validated_at, how many other candidates
-- there were and the runner-up — or why it stays unpinned; and every endpoint whose name
-- collides case-insensitively (blocked). Read-only.
WITH all_candidates AS MATERIALIZED (
    -- Read once: the plan's latest-validated rule and the ranking below both pick from them.
    @candidates@
), planned AS (
    @plan@
    -- Fenced: the plan's per-endpoint look-ups run once, not again for each join below.
    OFFSET 0
), ranked AS (
    -- Per provider of the latest-validated rule: how many candidates there are and the first
    -- two in the rule's order (the aggregate of the plan, keeping its best two: no sort of
    -- every candidate); then the key and last_validated_at of those two rows.
    SELECT r.provider, r.candidates, w.key AS w_key, w.raw AS w_raw, ru.key AS ru_key, ru.raw AS ru_raw
      FROM (SELECT c.provider, count(*) AS candidates, phoenix_kit_mig_internal.pk_latest_validated_top2(c.validated_text, c.uuid) AS top
              FROM all_candidates c
             WHERE c.provider IS NOT NULL
             GROUP BY c.provider) r,
           LATERAL (SELECT min(s.key::text) AS key, (array_agg(s.value_json -> 'last_validated_at' ORDER BY s.key))[1] AS raw
                      FROM @settings@ s WHERE s.uuid = r.top[1] AND s.key LIKE 'integration:%') w,
           LATERAL (SELECT min(s.key::text) AS key, (array_agg(s.value_json -> 'last_validated_at' ORDER BY s.key))[1] AS raw
                      FROM @settings@ s WHERE s.uuid = r.top[2] AND s.key LIKE 'integration:%') ru
    -- Fenced: the look-ups run once per provider, not once per endpoint of the join below.
    OFFSET 0
), duplicates AS (
    SELECT e.uuid, lower(e.name) AS lower_name,
           count(*) OVER (PARTITION BY lower(e.name)) AS same_name,
           string_agg(e.uuid::text, ', ') OVER (PARTITION BY lower(e.name)) AS group_uuids
      FROM @endpoints@ e
     WHERE e.name IS NOT NULL
)
SELECT 'phoenix_kit_ai_endpoints'::text AS relation, d.uuid AS row_uuid, 'blocked'::text AS action, NULL::jsonb AS before, NULL::jsonb AS after,
       format('23505: %s endpoints share the name %s when case is ignored (uuids %s)', d.same_name, quote_literal(d.lower_name), d.group_uuids) AS reason
  FROM duplicates d
 WHERE d.same_name > 1
UNION ALL
SELECT 'phoenix_kit_ai_endpoints'::text AS relation, p.uuid AS row_uuid,
       CASE WHEN p.integration IS NOT NULL THEN 'pin' ELSE 'leave_unpinned' END AS action,
       '{"integration_uuid": null}'::jsonb AS before,
       jsonb_build_object('integration_uuid', p.integration) AS after,
       CASE WHEN p.uuid IS NULL
            THEN 'the endpoint has no uuid (the primary key was dropped), so it is left unpinned; give it a uuid and run v107_up again'
            WHEN p.rule = 'exact' AND p.integration IS NOT NULL
            THEN format('exact key: provider %s names the settings row integration:%s (uuid %s)', quote_literal(p.provider), p.provider, p.integration)
            WHEN p.rule = 'exact' AND EXISTS (SELECT 1 FROM @settings@ s WHERE s.key = 'integration:' || p.provider)
            THEN format('the settings row integration:%s has no uuid (the primary key was dropped), so the endpoint is left unpinned; give the row a uuid and run v107_up again', p.provider)
            WHEN p.rule = 'exact'
            THEN format('no settings row has the key integration:%s; re-pick the integration in the endpoint form', p.provider)
            WHEN p.rule = 'uuid' AND p.integration IS NOT NULL
            THEN format('uuid: provider is the uuid of the integration row %s', p.integration)
            WHEN p.rule = 'uuid'
            THEN format('provider %s is a uuid, but no integration row has it; re-pick the integration in the endpoint form', p.provider)
            WHEN p.rule = 'latest' AND p.integration IS NOT NULL
            THEN format('latest validated: %s (last_validated_at %s)%s', w.w_key, COALESCE(w.w_raw::text, 'missing'),
                        CASE WHEN w.candidates = 1 THEN format(', the only candidate integration:%s:*', p.provider)
                             ELSE format(', chosen over %s other candidate(s); runner-up %s (last_validated_at %s)',
                                         w.candidates - 1, w.ru_key, COALESCE(w.ru_raw::text, 'missing')) END)
            WHEN p.rule = 'latest' AND w.candidates > 0
            THEN format('the latest validated of the %s candidate(s) integration:%s:* has no uuid (the primary key was dropped), so the endpoint is left unpinned; give it a uuid and run v107_up again', w.candidates, p.provider)
            WHEN p.rule = 'latest'
            THEN format('no settings row has a key integration:%s:<name> (a legacy integration:%s row is not a candidate); re-pick the integration in the endpoint form', p.provider, p.provider)
            ELSE 'provider is empty: there is nothing to pin it by; re-pick the integration in the endpoint form'
       END AS reason
  FROM planned p
  LEFT JOIN duplicates d ON d.uuid = p.uuid
  LEFT JOIN ranked w ON p.rule = 'latest' AND w.provider = p.provider
 WHERE COALESCE(d.same_name, 1) = 1
