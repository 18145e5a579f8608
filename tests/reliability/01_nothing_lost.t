#!/usr/bin/env bash
# Nothing lost (docs/behaviour.md §6 step 2, §7 step 3, §4 steps 2-4, §5): a checksum of every cell
# (every column of every row, and every JSON key of value_json) before and after each of the
# four migrations shows that only what the contract names changed:
#   V114 up:   key, module, value_json provider/name (and value_json SQL NULL/JSON null -> {})
#   V114 down: key only
#   V107 up:   integration_uuid only (plus the new column and its two indexes)
#   V107 down: integration_uuid only (the column and its two indexes go, nothing else)
# on a few thousand PhoenixKit-shaped rows made with generate_series (lib.sql rel_populate).
. "$(dirname "$0")/lib.sh"

N=${PK_REL_ROWS:-4000}
snap=${REL_PREFIX}snap
q "CREATE SCHEMA $snap" >/dev/null

# ------------------------------------------------------------------ V114 up
s=$(new_schema v114 113)
qfx "SELECT pg_temp.rel_populate('$s', $N)" >/dev/null
total=$(q "SELECT count(*) FROM $s.phoenix_kit_settings")
integ=$(q "SELECT count(*) FROM $s.phoenix_kit_settings WHERE key LIKE 'integration:%'")
is "$integ" "$N" "V114 up: $N integration rows of every shape, $total settings rows in all"
qfx "SELECT pg_temp.rel_snapshot('$s', 'phoenix_kit_settings', '$snap.s0');
     SELECT pg_temp.rel_snapshot('$s', 'phoenix_kit_ai_endpoints', '$snap.e0');
     CREATE TABLE $snap.orig AS SELECT * FROM $s.phoenix_kit_settings;" >/dev/null
# The schema's columns, indexes and constraints (rows change; these must not).
catalog="SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
           SELECT format('%s.%s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull) AS x
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relnamespace = '$s'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
           UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = '$s'
           UNION ALL SELECT conname || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = '$s'::regnamespace) parts"
catalog0=$(q "$catalog")

report=$(q "SELECT pk_migrate_v114_up('$s')::text" 2>/dev/null)
is "$(jq -r '.rows_rewritten' <<<"$report")" "$N" "V114 up rewrites every integration row"

diff_cols() { # snapshot schema table -> "col:count,…" of changed cells on rows present before and after
  qfx "SELECT COALESCE(string_agg(col || ':' || n, ',' ORDER BY col), '')
         FROM (SELECT col, count(*) n FROM pg_temp.rel_diff('$1', '$2', '$3') WHERE row_state = 'both' GROUP BY col) d"
}
lost_rows() {
  qfx "SELECT count(DISTINCT id) FROM pg_temp.rel_diff('$1', '$2', '$3') WHERE row_state <> 'both'"
}

is "$(lost_rows "$snap.s0" "$s" phoenix_kit_settings)" 0 "V114 up: no settings row lost or added"
like "$(diff_cols "$snap.s0" "$s" phoenix_kit_settings)" \
  '^key:[0-9]+,module:[0-9]+,value_json:[0-9]+,value_json\.name:[0-9]+,value_json\.provider:[0-9]+$' \
  "V114 up: only key, module and value_json's provider/name cells changed"
is "$(qfx "SELECT count(*) FROM pg_temp.rel_diff('$snap.s0', '$s', 'phoenix_kit_settings') d
            JOIN $snap.orig o ON o.uuid = d.id WHERE o.key NOT LIKE 'integration:%'")" 0 \
  "V114 up: no cell of a non-integration row changed (incl. 'Integration:…', ' integration:…', uuid keys)"
is "$(qfx "SELECT count(*) FROM pg_temp.rel_diff('$snap.s0', '$s', 'phoenix_kit_settings')
            WHERE col IN ('uuid', 'value', 'date_added', 'date_updated')
               OR (col LIKE 'value_json.%' AND col NOT IN ('value_json.provider', 'value_json.name'))")" 0 \
  "V114 up: uuid, value, date_added, date_updated and every other JSON key are unchanged"

# An independent oracle (plain SQL, docs/behaviour.md §3/§6) for the new key, module, provider and name.
oracle="
WITH o AS (
  SELECT o.uuid, o.key, substr(o.key, 13) AS r,
         CASE WHEN jsonb_typeof(o.value_json -> 'provider') = 'string' THEN o.value_json ->> 'provider' END AS jp,
         CASE WHEN jsonb_typeof(o.value_json -> 'name') = 'string' THEN o.value_json ->> 'name' END AS jn
    FROM $snap.orig o WHERE o.key LIKE 'integration:%'
), e AS (
  SELECT o.*, split_part(o.r, ':', 1) AS kp,
         CASE WHEN strpos(o.r, ':') = 0 THEN 'default'
              ELSE COALESCE(NULLIF(substr(o.r, strpos(o.r, ':') + 1), ''), 'default') END AS kn
    FROM o
)
SELECT count(*) FILTER (WHERE a.key IS DISTINCT FROM e.uuid::text),
       count(*) FILTER (WHERE a.module IS DISTINCT FROM 'integrations'),
       count(*) FILTER (WHERE a.value_json ->> 'provider' IS DISTINCT FROM
                              CASE WHEN e.jp <> '' AND NOT (e.jp = e.r AND strpos(e.r, ':') > 0) THEN e.jp ELSE e.kp END),
       count(*) FILTER (WHERE a.value_json ->> 'name' IS DISTINCT FROM COALESCE(NULLIF(e.jn, ''), e.kn)),
       count(*)
  FROM e JOIN $s.phoenix_kit_settings a ON a.uuid = e.uuid"
is "$(q "$oracle")" "0|0|0|0|$N" "V114 up: every key = uuid, module = integrations, provider/name as §6 says (plain-SQL oracle)"
is "$(q "SELECT count(*) FROM $s.phoenix_kit_settings WHERE key LIKE 'integration:%'")" 0 "V114 up: no old-shape key left"
is "$(qfx "SELECT count(*) FROM pg_temp.rel_diff('$snap.e0', '$s', 'phoenix_kit_ai_endpoints')")" 0 "V114 up: endpoints untouched"
is "$(q "$catalog")" "$catalog0" "V114 up: columns, indexes and constraints unchanged"
is "$(q "SELECT obj_description('$s.phoenix_kit'::regclass, 'pg_class')")" "114" "V114 up: stamped 114"

# ------------------------------------------------------------------ V114 down
qfx "SELECT pg_temp.rel_snapshot('$s', 'phoenix_kit_settings', '$snap.s1');
     CREATE TABLE $snap.up AS SELECT * FROM $s.phoenix_kit_settings;" >/dev/null
report=$(q "SELECT pk_migrate_v114_down('$s')::text" 2>/dev/null)
is "$(jq -r '.rows_rewritten' <<<"$report")" "$N" "V114 down rewrites every uuid-keyed integrations row"
is "$(lost_rows "$snap.s1" "$s" phoenix_kit_settings)" 0 "V114 down: no settings row lost or added"
like "$(diff_cols "$snap.s1" "$s" phoenix_kit_settings)" '^key:[0-9]+$' "V114 down: only key cells changed"
is "$(qfx "SELECT count(*) FROM pg_temp.rel_diff('$snap.s1', '$s', 'phoenix_kit_settings') d
            JOIN $snap.up u ON u.uuid = d.id WHERE NOT (u.module = 'integrations' AND u.key = u.uuid::text)")" 0 \
  "V114 down: only rows with module integrations and key = uuid changed"
is "$(q "SELECT count(*) FROM $s.phoenix_kit_settings a JOIN $snap.up u USING (uuid),
                LATERAL (SELECT 'integration:' || (u.value_json ->> 'provider') || ':' || (u.value_json ->> 'name') AS plain) k
          WHERE u.module = 'integrations' AND u.key = u.uuid::text
            AND NOT (left(a.key, length(k.plain)) = k.plain AND substr(a.key, length(k.plain) + 1) ~ '^(-[0-9a-f]{8})?$')")" 0 \
  "V114 down: every new key is integration:<provider>:<name>, possibly with a uuid-tail suffix"
# Round trip: a row whose original key already was integration:<provider>:<name> (and whose pair
# is unique) gets exactly that key back.
rt=$(q "SELECT count(*) FILTER (WHERE a.key <> o.key), count(*)
          FROM $snap.orig o JOIN $snap.up u USING (uuid) JOIN $s.phoenix_kit_settings a USING (uuid)
         WHERE o.key = 'integration:' || (u.value_json ->> 'provider') || ':' || (u.value_json ->> 'name')")
like "$rt" "^0\|[0-9]{4,}$" "V114 up then down restores every canonical original key exactly ($rt changed|compared)"
is "$(q "SELECT obj_description('$s.phoenix_kit'::regclass)")" 113 "V114 down: stamped 113"

# ------------------------------------------------------------------ V107 up
s7=$(new_schema v107 106)
qfx "SELECT pg_temp.rel_populate('$s7', $((N * 2)))" >/dev/null
ne=$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints")
qfx "SELECT pg_temp.rel_snapshot('$s7', 'phoenix_kit_settings', '$snap.s7');
     SELECT pg_temp.rel_snapshot('$s7', 'phoenix_kit_ai_endpoints', '$snap.e7');" >/dev/null
fp7=$(fingerprint "$s7")
idx7=$(q "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '$s7'")
cols7=$(q "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = '$s7.phoenix_kit_ai_endpoints'::regclass AND attnum > 0 AND NOT attisdropped")
report=$(q "SELECT pk_migrate_v107_up('$s7')::text" 2>/dev/null)
pinned=$(jq -r '.pinned_exact + .pinned_latest_validated + .pinned_by_uuid' <<<"$report")
unpinned=$(jq -r '.left_unpinned | length' <<<"$report")
like "$(jq -r '[.pinned_exact, .pinned_latest_validated, .pinned_by_uuid] | map(tostring) | join(",")' <<<"$report")" \
  '^[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*$' "V107 up: the data exercises every pin rule (exact, latest validated, uuid)"
is "$((pinned + unpinned))" "$ne" "V107 up: pinned + left_unpinned = all $ne endpoints ($pinned pinned)"
is "$(lost_rows "$snap.e7" "$s7" phoenix_kit_ai_endpoints)" 0 "V107 up: no endpoint lost or added"
is "$(qfx "SELECT COALESCE(string_agg(DISTINCT col, ','), '') FROM pg_temp.rel_diff('$snap.e7', '$s7', 'phoenix_kit_ai_endpoints')")" \
  integration_uuid "V107 up: only integration_uuid cells changed (appeared)"
is "$(q "SELECT count(integration_uuid) FROM $s7.phoenix_kit_ai_endpoints")" "$pinned" "V107 up: as many non-NULL pins as reported"
is "$(q "SELECT count(*) FROM $s7.phoenix_kit_ai_endpoints e LEFT JOIN $s7.phoenix_kit_settings s ON s.uuid = e.integration_uuid
          WHERE e.integration_uuid IS NOT NULL AND (s.uuid IS NULL OR s.key NOT LIKE 'integration:%')")" 0 \
  "V107 up: every pin points at an existing integration settings row"
is "$(qfx "SELECT count(*) FROM pg_temp.rel_diff('$snap.s7', '$s7', 'phoenix_kit_settings')")" 0 "V107 up: settings untouched"
is "$(q "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '$s7'")" \
  "$(tr ',' '\n' <<<"$idx7,phoenix_kit_ai_endpoints_integration_uuid_index,phoenix_kit_ai_endpoints_name_index" | sort | paste -sd,)" \
  "V107 up: exactly the two V107 indexes were added"
is "$(q "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute
          WHERE attrelid = '$s7.phoenix_kit_ai_endpoints'::regclass AND attnum > 0 AND NOT attisdropped")" \
  "$cols7,integration_uuid uuid" "V107 up: exactly one column added: integration_uuid uuid"
is "$(q "SELECT pg_get_indexdef('$s7.phoenix_kit_ai_endpoints_name_index'::regclass) || ' / ' ||
                pg_get_indexdef('$s7.phoenix_kit_ai_endpoints_integration_uuid_index'::regclass)")" \
  "CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON $s7.phoenix_kit_ai_endpoints USING btree (lower((name)::text)) / CREATE INDEX phoenix_kit_ai_endpoints_integration_uuid_index ON $s7.phoenix_kit_ai_endpoints USING btree (integration_uuid)" \
  "V107 up: the indexes have the promised shape"

# ------------------------------------------------------------------ V107 down
report=$(q "SELECT pk_migrate_v107_down('$s7')::text" 2>/dev/null)
is "$(jq -r '.pins_discarded' <<<"$report")" "$pinned" "V107 down reports the discarded pins"
is "$(fingerprint "$s7")" "$fp7" \
  "V107 up then down: every row, column, index, constraint and the comment (106) as before V107 up"
is "$(qfx "SELECT count(*) FROM pg_temp.rel_diff('$snap.e7', '$s7', 'phoenix_kit_ai_endpoints')")" 0 \
  "V107 down: every endpoint cell equals its pre-V107 checksum"

done_testing
