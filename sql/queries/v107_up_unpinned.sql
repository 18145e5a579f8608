-- V107 up's report: every endpoint still without a pin after the backfill (uuid, name,
-- provider), for the operator to re-pick in the endpoint form.
SELECT COALESCE(jsonb_agg(jsonb_build_object('uuid', e.uuid, 'name', e.name, 'provider', e.provider) ORDER BY e.name, e.uuid), '[]') AS left_unpinned
  FROM @endpoints@ e
 WHERE e.integration_uuid IS NULL
