-- V107 up with user triggers on the endpoints: the plan is kept for the verify step.
CREATE TEMPORARY TABLE pk_mig_plan ON COMMIT DROP AS
SELECT p.uuid, p.rule, p.integration FROM (@plan@) p WHERE p.integration IS NOT NULL
