-- V107 up from the kept plan (v107_up_stage.sql).
UPDATE @endpoints@ e SET integration_uuid = p.integration
  FROM pg_temp.pk_mig_plan p
 WHERE e.uuid = p.uuid
