-- V107 up's candidates for the latest-validated rule: every integration row with the provider
-- its key names (NULL: not of the integration:<provider>:<name> shape) and its
-- last_validated_at as text when it is a JSON string (the aggregate parses it). Read by the
-- plan (v107_up_plan.sql) and the preview (v107_up_preview.sql), so both pick from the same rows.
--   settings (hole): the settings table, quoted
SELECT s.uuid, phoenix_kit_mig_internal.pk_named_key_provider(s.key::text) AS provider,
       CASE WHEN jsonb_typeof(s.value_json -> 'last_validated_at') = 'string'
            THEN (s.value_json ->> 'last_validated_at')::text END AS validated_text
  FROM @settings@ s
 WHERE s.key LIKE 'integration:%'
-- Fenced: the planner then takes the providers for a few hundred groups, not for as many
-- as there are keys, and hashes them instead of sorting every candidate first.
OFFSET 0
