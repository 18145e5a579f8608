-- V107 up with user triggers on the endpoints: the pins the plan (v107_up_plan.sql) makes,
-- kept for the staged path (src/runner.rs, Staged).
SELECT p.row_id, p.uuid, p.rule, p.integration FROM (@plan@) p WHERE p.integration IS NOT NULL
