-- V114 up with user triggers on the table: the rows the plan (v114_up_plan.sql) writes, kept
-- with their planned values for the staged path (src/runner.rs, Staged), which adds each
-- row's before-image and compares whole rows after every trigger has run.
SELECT p.row_id, p.uuid, p.key AS old_key, p.new_key, p.new_module, p.new_value_json
  FROM (@plan@) p
