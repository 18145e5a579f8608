-- Rows of a table that share a uuid (its primary key was dropped or made deferrable), among
-- the rows a migration reads. Read-only. Only run when no valid, immediate unique index on
-- (uuid) rules duplicates out. Rows without a uuid share none (as in a unique index): each
-- migration says what it does with them.
--   table (hole): the table, schema-qualified and quoted
--   where, label (holes): which rows count and how a row is named (fixed fragments of the migration)
SELECT count(*) AS groups,
       (array_agg(line ORDER BY uuid))[1:50] AS group_rows
  FROM (SELECT t.uuid,
               format('uuid %s: %s rows (%s)', t.uuid, count(*), string_agg(quote_literal(t.label), ', ' ORDER BY t.label)) AS line
          FROM (SELECT s.uuid, @label@ AS label FROM @table@ s WHERE s.uuid IS NOT NULL AND (@where@)) t
         GROUP BY t.uuid
        HAVING count(*) > 1) d
