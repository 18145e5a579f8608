-- V107 down's plan, one statement: the pins the drop of integration_uuid discards, and the
-- objects of the users' that depend on the column (v107_down_dependents.sql, in the hole
-- plan). Only where the column exists. Read-only.
--   $1  the endpoints table, quoted (v107_down_dependents.sql's parameter)
SELECT (SELECT count(e.integration_uuid) FROM @endpoints@ e) AS pins, d.objects, d.object_names
  FROM (@plan@) d
