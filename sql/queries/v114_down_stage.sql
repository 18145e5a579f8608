-- V114 down with user triggers on the table: the plan (v114_down_plan.sql), kept whole for the
-- staged path (src/runner.rs, Staged). A run computes it once: its row blockers are then read
-- from the kept plan (v114_down_preflight.sql over pg_temp.pk_mig_plan), before anything is
-- written.
SELECT p.*, p.suffix_reason IS NOT NULL AS suffixed
  FROM (@plan@) p
