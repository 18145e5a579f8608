-- V114 down with user triggers on the table: the plan is kept for the verify step.
CREATE TEMPORARY TABLE pk_mig_plan ON COMMIT DROP AS
SELECT p.row_id, p.uuid, p.new_key, p.suffix_reason IS NOT NULL AS suffixed
  FROM (@plan@) p
