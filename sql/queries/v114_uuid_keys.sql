-- V114 up: the settings rows whose key has the shape of a lowercase, hyphenated uuid text (only
-- such a key can equal some row's uuid::text), with the row holding it. Found by two range
-- scans of the text_pattern_ops key index (integration keys start with 'i'), not by joining
-- the whole table to itself. Read by the pre-flight (v114_up_preflight.sql) and the preview
-- (v114_up_preview.sql), so both find the same keys taken.
--   settings (hole): the settings table, quoted
SELECT k.key::text AS key, k.uuid AS holder FROM @settings@ k
 WHERE k.key ~>=~ '0' AND k.key ~<~ ':'
   AND k.key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
-- UNION ALL, not OR: two index range scans instead of a bitmap over the heap.
UNION ALL
SELECT k.key::text, k.uuid FROM @settings@ k
 WHERE k.key ~>=~ 'a' AND k.key ~<~ 'g'
   AND k.key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
