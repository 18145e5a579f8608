-- V107 down's plan: the pins the drop of integration_uuid discards.
SELECT count(e.integration_uuid) AS pins FROM @endpoints@ e
