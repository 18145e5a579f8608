-- V107 up from the kept plan (v107_up_stage.sql), row by row through its ctid.
UPDATE @endpoints@ e SET integration_uuid = p.integration
  FROM pg_temp.pk_mig_plan p
 WHERE e.ctid = p.row_id
