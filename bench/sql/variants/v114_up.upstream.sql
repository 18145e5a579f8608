-- (B) upstream V114 up (v114.ex at c09db219, docs/upstream.md §7.1-§7.2), re-created as plain SQL.
-- On the public prefix upstream's statements are unqualified (prefix_str maps public to "").
UPDATE phoenix_kit_settings
   SET key = uuid::text,
       module = 'integrations',
       value_json = COALESCE(value_json, '{}'::jsonb)
                    || jsonb_build_object(
                         'provider', COALESCE(NULLIF(value_json ->> 'provider', ''),
                                              split_part(substring(key FROM 13), ':', 1)),
                         'name', COALESCE(NULLIF(value_json ->> 'name', ''),
                                          NULLIF(split_part(substring(key FROM 13), ':', 2), ''),
                                          'default'))
 WHERE key LIKE 'integration:%';
COMMENT ON TABLE phoenix_kit IS '114';
