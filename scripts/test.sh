#!/usr/bin/env bash
# Runs every test on every PostgreSQL major of the matrix (13 14 15 16 17 18) and exits
# non-zero on any failure. Sets up what is missing first (scripts/setup.sh).
#
#   scripts/test.sh                 the whole matrix, then the packages
#   scripts/test.sh --pg 17 [--pg 13 …]   only these majors (packages of these majors only)
#   scripts/test.sh --no-packages   skip scripts/package.sh and scripts/package-test.sh
#
# Layers: the core crate's unit, property and fuzz tests (once); per major, against that
# major's project-owned tree (.pg/<major>/, scripts/pgmajors.sh) and its own throwaway cluster
# (socket /tmp/phoenix_kit_mig/pg<major>, port 543<major>): the #[pg_test]s
# (cargo pgrx test pgNN), the psql-level suite (pg_regress), the isolation specs
# (pg_isolation_regress; from 14 on), the reliability suite (TAP, prove; upgrade from 0.1.0
# and dump/restore included) and the benchmark at a tiny size; then
# a release package per major (scripts/package.sh) and the package test
# (scripts/package-test.sh: the 15 .deb into the system PostgreSQL 15, each tarball into a
# pristine tree). Nothing is installed into the system PostgreSQL except by that package test.
#
# The closing lines count per major and layer: a layer that exits non-zero without a failure
# it could count (it aborted) counts as one failure, never as "0 failed". Logs: target/test/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'test: %s\n' "$*"; }
die() { printf 'test: error: %s\n' "$*" >&2; exit 2; }

majors=() packages=1
while [ $# -gt 0 ]; do
  case $1 in
    --pg) [ -n "${2:-}" ] || die "--pg needs a major"; majors+=("$2"); shift ;;
    --pg=*) majors+=("${1#--pg=}") ;;
    --no-packages) packages=0 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
scripts/setup.sh
export PGRX_HOME=${PGRX_HOME:-$ROOT/.pg/pgrx}
all_majors=$(scripts/pgmajors.sh list)
[ ${#majors[@]} -gt 0 ] || read -r -a majors <<<"$(echo $all_majors)"
for nn in "${majors[@]}"; do
  grep -qx "$nn" <<<"$all_majors" || die "unknown major $nn (one of $(echo $all_majors))"
done

started=$SECONDS
logs=$ROOT/target/test
rm -rf "$logs"; mkdir -p "$logs"
declare -A passed failed note layers_of
order=()

# count KIND LOG RC -> "passed failed" for one layer's log.
count() {
  local kind=$1 log=$2 rc=$3 p=0 f=0
  set +e +o pipefail   # a grep that finds nothing must not end the count
  case $kind in
    cargo)   # "test result: ok. 50 passed; 0 failed; …"
      p=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
      f=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{s+=$6} END {print s+0}') ;;
    regress) # pg_regress: "All 15 tests passed." / "2 of 15 tests failed." ("# …" from 16 on)
      local all n m
      all=$(grep -hoE 'All [0-9]+ tests passed' "$log" | awk '{s+=$2} END {print s+0}')
      n=$(grep -hoE '[0-9]+ of [0-9]+ tests failed' "$log" | awk '{s+=$1} END {print s+0}')
      m=$(grep -hoE '[0-9]+ of [0-9]+ tests failed' "$log" | awk '{s+=$3} END {print s+0}')
      p=$((all + m - n)); f=$n ;;
    prove)   # "Files=9, Tests=411, …"; failures in "Failed 3/40 subtests"
      local t tf
      t=$(grep -hoE '^Files=[0-9]+, Tests=[0-9]+' "$log" | sed 's/.*Tests=//' | awk '{s+=$1} END {print s+0}')
      tf=$(grep -hoE 'Failed [0-9]+/[0-9]+ subtests' "$log" | awk '{split($2, a, "/"); s+=a[1]} END {print s+0}')
      p=$((t - tf)); f=$tf ;;
    single) if [ "$rc" = 0 ]; then p=1; else f=1; fi ;;
    package) # scripts/package-test.sh: its checks, plus the pg_regress tests of each suite run
      read -r p f < <(count regress "$log" "$rc")
      p=$((p + $(grep -cE '^package-test: ok - ' "$log" || true))); f=$((f + $(grep -cE '^package-test: not ok - ' "$log" || true))) ;;
  esac
  set -e -o pipefail
  echo "$p $f"
}

# layer GROUP NAME KIND CMD…: runs CMD (output to the terminal and to target/test/GROUP.NAME.log),
# counts it; returns CMD's exit status.
layer() {
  local group=$1 name=$2 kind=$3; shift 3
  local log=$logs/$group.$name.log rc=0 t0=$SECONDS p f
  say "== $group: $name"
  set +e +o pipefail
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e -o pipefail
  read -r p f < <(count "$kind" "$log" "$rc")
  local n=""
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; n=" ABORTED (exit $rc)"; fi
  [ -n "${layers_of[$group]:-}" ] || order+=("$group")
  layers_of[$group]+="$name "
  passed[$group.$name]=$p; failed[$group.$name]=$f
  note[$group.$name]="$p passed, $f failed$n, $((SECONDS - t0)) s"
  say "-- $group: $name: ${note[$group.$name]}"
  return "$rc"
}

# Every layer of one major; a layer's failure does not stop the others.
major_layers() {
  local nn=$1 g=pg$1
  eval "$(scripts/pgmajors.sh env "$nn")"
  scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
  local pgdata; pgdata=$(mktemp -d /tmp/pkmig-pgtest-pg$nn.XXXXXX)
  local runas=(); [ "$(id -u)" -ne 0 ] || { chown "${PK_PG_USER:-pgtest}": "$pgdata"; runas=(--runas "${PK_PG_USER:-pgtest}"); }
  layer "$g" pg_test cargo cargo pgrx test "pg$nn" "${runas[@]}" --pgdata "$pgdata" || true
  rm -rf "$pgdata"
  # Installed once per major: reinstalling the .so under a running server crashes its backends.
  if ! layer "$g" install single scripts/install-extension.sh; then
    say "pg$nn: install failed; the layers that need the extension are not run"
    return 0
  fi
  layer "$g" regress regress scripts/regress.sh --no-install || true
  # pg_isolation_regress ships with every tree but 13's; there the reliability suite's
  # 03_concurrent_writers.t and 04_locks_settings.t check what the specs check.
  if [ -x "$PK_PG_BIN/../lib/pgxs/src/test/isolation/pg_isolation_regress" ]; then
    layer "$g" isolation regress scripts/isolation.sh --no-install || true
  fi
  layer "$g" reliability prove scripts/reliability.sh --no-install || true
  layer "$g" bench_smoke single scripts/bench.sh --smoke --no-install || true
  scripts/pgcluster.sh stop >/dev/null 2>&1 || true
  unset PK_PG_MAJOR PK_PG_BIN PK_PG_CONFIG PK_PG_REGRESS PK_SOCKET_DIR PK_CLUSTER_DIR PK_PGPORT
}

layer core tests cargo cargo test -p phoenix_kit_mig_core || true
for nn in "${majors[@]}"; do
  t0=$SECONDS
  major_layers "$nn"
  note[pg$nn]="$((SECONDS - t0)) s"
done
if [ "$packages" = 1 ]; then
  if layer packages build single scripts/package.sh "${majors[@]}"; then
    layer packages test package scripts/package-test.sh "${majors[@]}" || true
  fi
fi

# --- summary -----------------------------------------------------------------------------
tp=0 tf=0
echo
say "summary (logs in $logs/)"
for g in "${order[@]}"; do
  gp=0 gf=0 parts=""
  for name in ${layers_of[$g]}; do
    gp=$((gp + passed[$g.$name])); gf=$((gf + failed[$g.$name]))
    parts+="${parts:+; }$name ${note[$g.$name]}"
  done
  tp=$((tp + gp)); tf=$((tf + gf))
  printf 'test: %-9s %5d passed, %3d failed%s  (%s)\n' "$g" "$gp" "$gf" "${note[$g]:+ in ${note[$g]}}" "$parts"
done
wall=$((SECONDS - started))
status=PASS; [ "$tf" = 0 ] || status=FAIL
say "$status: $tp passed, $tf failed on PostgreSQL ${majors[*]}; wall time $((wall / 60)) min $((wall % 60)) s"
[ "$tf" = 0 ]
