#!/usr/bin/env bash
# Where one migration call spends its time: every SQL statement it runs (auto_explain with
# log_nested_statements: each statement's execution time and the first line of its text),
# against the whole call as psql times it (BEGIN, the call, COMMIT, in a new connection, the
# library not yet loaded). What the statements' executions do not account for is parsing,
# planning, loading the library and the Rust in between; with `perf` installed, --perf splits
# the call by what the backend was doing (sampled with DWARF call graphs; sampling slows the
# call, so its times are not the ones to quote).
#
#   bench/profile.sh [--pg NN] [--rows N] [--rounds R] [--perf] [--upstream] MIGRATION
#
#   MIGRATION  v114_up | v114_down | v107_up | v107_down
#   --rows N   settings rows of the data (endpoints = N / 10) [1000: PhoenixKit's real size]
#   --rounds R calls profiled, each on a fresh copy; medians are printed [5]
#   --pg NN    the major's own tree and cluster, as scripts/bench.sh --pg
#   --upstream profile upstream's SQL (bench/sql/variants/<m>.upstream.sql) instead, for comparison
#
# Uses scripts/bench.sh's cluster and its data templates (pkb_t_*); builds them with a one-round
# `scripts/bench.sh --smoke --sizes N` when they are missing. Uses the installed build: run
# `scripts/bench.sh --real-size` (or any full run) first to profile the release build.
# Read-only for everything but its own throwaway database (pkb_profile).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

pg_major="" rows=1000 rounds=5 use_perf=0 mig="" upstream=0
while [ $# -gt 0 ]; do
  case $1 in
    --pg) pg_major=$2; shift ;;
    --rows) rows=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --perf) use_perf=1 ;;
    --upstream) upstream=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    v114_up|v114_down|v107_up|v107_down) mig=$1 ;;
    *) echo "profile: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$mig" ] || { echo "profile: name a migration (see --help)" >&2; exit 2; }
[[ $rows =~ ^[0-9]+$ && $rounds =~ ^[0-9]+$ ]] || { echo "profile: --rows and --rounds take numbers" >&2; exit 2; }
if [ -n "$pg_major" ]; then eval "$(scripts/pgmajors.sh env "$pg_major")"; fi
PG_BIN=${PK_PG_BIN:-$(scripts/pgmajors.sh root "${PK_PG_MAJOR:-15}")/bin}
scripts/pgcluster.sh start >/dev/null
eval "$(scripts/pgcluster.sh env)"
export PGHOST PGPORT PGUSER
psql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

case $mig in
  v114_up) stage=s107; stamp=113 ;;
  v114_down) stage=s114; stamp=114 ;;
  v107_up) stage=s106; stamp=106 ;;
  v107_down) stage=s107; stamp=107 ;;
esac
# The template names are scripts/bench.sh's (tname): the generator's hash picks the data.
gen_hash=$(cat bench/sql/generate.sql tests/fixtures/phoenix_kit_fixture.sql bench/sql/variants/v107_up.upstream.sql | sha256sum | cut -c1-8)
template=pkb_t_${stage}_${rows}_s42_${gen_hash}
if [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '$template'")" != 1 ]; then
  echo "profile: building the data ($rows settings rows) with scripts/bench.sh --smoke" >&2
  scripts/bench.sh ${pg_major:+--pg "$pg_major"} --smoke --sizes "$rows" --only "$mig" >/dev/null
fi
strategy=""
[ "$(psql -d postgres -Atc 'SHOW server_version_num')" -lt 150000 ] || strategy=" STRATEGY FILE_COPY"

work=$(mktemp -d /tmp/pkmig-profile.XXXXXX)
chmod 0755 "$work"
trap 'psql -d postgres -c "DROP DATABASE IF EXISTS pkb_profile WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cat >"$work/call.sql" <<EOF
SELECT pg_backend_pid() AS pid \gset
\setenv PROFILE_PID :pid
\! [ "\$PROFILE_PERF" = 1 ] && { perf record -F 10000 --call-graph dwarf,32768 -p \$PROFILE_PID -o \$PROFILE_OUT.perf >/dev/null 2>&1 & echo \$! > \$PROFILE_OUT.perfpid; sleep 0.4; } || true
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
\timing on
BEGIN;
$(if [ $upstream = 1 ]; then echo "\i $ROOT/bench/sql/variants/$mig.upstream.sql"; else echo "SELECT pk_migrate_$mig('public') IS NOT NULL AS ok;"; fi)
COMMIT;
\timing off
\! [ "\$PROFILE_PERF" = 1 ] && { kill -INT \$(cat \$PROFILE_OUT.perfpid); sleep 0.5; } || true
EOF
# LOAD 'auto_explain' maps no phoenix_kit_mig code: the call below still loads the library.

for round in $(seq "$rounds"); do
  psql -d postgres -c "DROP DATABASE IF EXISTS pkb_profile WITH (FORCE)" -c "CREATE DATABASE pkb_profile TEMPLATE $template$strategy" >/dev/null
  psql -d pkb_profile -c "CREATE EXTENSION phoenix_kit_mig" -c "COMMENT ON TABLE public.phoenix_kit IS '$stamp'" -c "CHECKPOINT" >/dev/null
  PROFILE_PERF=$use_perf PROFILE_OUT=$work/r$round psql -d pkb_profile -f "$work/call.sql" >"$work/r$round.out" 2>&1
done

# One line per statement and round: round, position, ms, first text line.
for round in $(seq "$rounds"); do
  awk -v r="$round" '
    /NOTICE:  duration: [0-9.]+ ms/ { match($0, /duration: [0-9.]+/); ms = substr($0, RSTART + 10, RLENGTH - 10); want = 1; next }
    want && /^Query Text:/ { t = substr($0, 13); gsub(/^ +/, "", t); if (t == "") t = "(the SQL body of a function the next statement calls, e.g. obj_description)"; n++; printf "%s\t%03d\t%s\t%s\n", r, n, ms, substr(t, 1, 90); want = 0 }
    /^Time: [0-9.]+ ms/ { total += $2 }
    END { printf "%s\t999\t%.3f\t%s\n", r, total, "TOTAL (psql: BEGIN, the call, COMMIT)" }' "$work/r$round.out"
done >"$work/lines.tsv"

echo "# Profile of $([ $upstream = 1 ] && echo "upstream's $mig (bench/sql/variants/$mig.upstream.sql)" || echo "pk_migrate_$mig") — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "- command: \`bench/profile.sh ${pg_major:+--pg $pg_major }--rows $rows --rounds $rounds$([ $use_perf = 1 ] && echo ' --perf')$([ $upstream = 1 ] && echo ' --upstream') $mig\`"
echo "- PostgreSQL $(psql -d postgres -Atc 'SHOW server_version'); data: $template; each round a fresh copy, a new connection$([ $upstream = 1 ] || echo ', the library loaded by the call')"
echo
echo "Medians over the rounds, in ms. Statements in the order they ran (the last is the call itself, whose"
echo "time includes all of them); auto_explain times execution only, not parsing or planning."
echo
echo "| # | statement (first line) | ms |"
echo "|--:|---|--:|"
# Medians in SQL (the machine's awk may be mawk, without sorting).
median_table() { # stdin: key<TAB>position<TAB>value; prints "| position | key | median |"
  psql -d postgres -At -c "CREATE TEMP TABLE m (k text, pos int, v float8)" -c "\copy m FROM STDIN" \
    -c "SELECT format('| %s | %s | %s |', CASE WHEN pos = 999 THEN '–' ELSE pos::text END, k, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY v)::numeric, $1))
          FROM m GROUP BY pos, k ORDER BY pos, k"
}
awk -F'\t' '{ print $4 "\t" $2 "\t" $3 }' "$work/lines.tsv" | median_table 2
if [ $use_perf = 1 ]; then
  echo
  echo "Where the backend spent the call (perf, samples including callees, median share over the rounds):"
  echo
  echo "| what | share |"
  echo "|---|--:|"
  for round in $(seq "$rounds"); do
    [ -s "$work/r$round.perf" ] || continue
    perf report -i "$work/r$round.perf" --children --sort sym -g none --stdio 2>/dev/null |
      awk '$NF ~ /^(exec_simple_query|standard_planner|parse_analyze.*|raw_parser|standard_ExecutorRun|SearchCatCacheMiss|internal_load_library|RelationBuildDesc|CommitTransaction)$/ { sub(/%/, "", $1); print $NF "\t0\t" $1 }'
  done | median_table 1 | sed 's/^| 0 | \(.*\) | \(.*\) |$/| \1 | \2 % |/'
  echo
  echo "(exec_simple_query is the whole top-level statement; standard_planner and parse_analyze* cover"
  echo "every statement, nested ones included; SearchCatCacheMiss is catalog-cache misses of a new"
  echo "backend; internal_load_library is loading phoenix_kit_mig.so.)"
fi
