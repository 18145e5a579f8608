-- V107 down, row by row, for pk_migration_plan: every endpoint whose pin is discarded with
-- the column. Read-only.
SELECT 'phoenix_kit_ai_endpoints'::text AS relation, e.uuid AS row_uuid, 'unpin'::text AS action,
       jsonb_build_object('integration_uuid', e.integration_uuid) AS before, NULL::jsonb AS after,
       format('the column integration_uuid is dropped (lossy): the pin to %s is discarded', e.integration_uuid) AS reason
  FROM @endpoints@ e
 WHERE e.integration_uuid IS NOT NULL
