-- (B) upstream V114 down (v114.ex at c09db219, docs/upstream.md §7.3): one UPDATE fed by a CTE.
WITH ranked AS (
  SELECT uuid,
         value_json ->> 'provider' AS provider,
         value_json ->> 'name' AS name,
         ROW_NUMBER() OVER (PARTITION BY value_json ->> 'provider', value_json ->> 'name'
                            ORDER BY date_added ASC NULLS LAST, uuid ASC) AS rn
    FROM phoenix_kit_settings
   WHERE module = 'integrations' AND key = uuid::text
)
UPDATE phoenix_kit_settings s
   SET key = 'integration:' || r.provider || ':'
             || CASE WHEN r.rn = 1 THEN r.name
                     ELSE r.name || '-' || substring(s.uuid::text FROM 25 FOR 8) END
  FROM ranked r
 WHERE s.uuid = r.uuid;
COMMENT ON TABLE phoenix_kit IS '113';
