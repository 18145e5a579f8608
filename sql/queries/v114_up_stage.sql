-- V114 up with user triggers on the table: the plan is kept (in a temporary table dropped at
-- the end of the call) so that the verify step can compare the table with it after every
-- trigger has run.
CREATE TEMPORARY TABLE pk_mig_plan ON COMMIT DROP AS
SELECT p.row_id, p.uuid, p.key AS old_key, p.new_key, p.new_module, p.new_value_json
  FROM (@plan@) p
