-- V114 down from the kept plan (v114_down_stage.sql).
UPDATE @settings@ s SET key = p.new_key
  FROM pg_temp.pk_mig_plan p
 WHERE s.ctid = p.row_id
