-- V114 up from the kept plan (v114_up_stage.sql), row by row through its ctid.
UPDATE @settings@ s
   SET key = p.new_key, module = p.new_module, value_json = p.new_value_json
  FROM pg_temp.pk_mig_plan p
 WHERE s.ctid = p.row_id
