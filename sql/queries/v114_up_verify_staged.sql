-- V114 up, staged: the rows of the kept plan, once the staged path has compared each with the
-- table (whole rows) and found them as planned.
SELECT count(*) AS planned FROM pg_temp.pk_mig_plan p
