-- V114 down with user triggers on the table: the rows the plan (v114_down_plan.sql) writes,
-- kept with their new keys for the staged path (src/runner.rs, Staged).
SELECT p.row_id, p.uuid, p.new_key, p.suffix_reason IS NOT NULL AS suffixed
  FROM (@plan@) p
