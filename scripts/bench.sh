#!/usr/bin/env bash
# Benchmark of phoenix_kit_mig against upstream PhoenixKit's SQL and the least possible work.
#
#   scripts/bench.sh --smoke        200 rows, 1 round, seconds; exits non-zero if a variant
#                                   fails or the extension's end state differs from upstream's
#                                   (or the floor's) where they must agree. Uses the installed
#                                   build (installs one only when none is installed).
#   scripts/bench.sh --real-size    PhoenixKit's real sizes: 10^3 settings rows, 10^2 endpoints,
#                                   15 rounds, all four migrations (each timed run is a new
#                                   connection, the library not yet loaded: BEGIN, the call
#                                   (which loads it), COMMIT; implies --cold-library)
#   scripts/bench.sh [--full]       the real benchmark: release build, V114 up/down at 10^4,
#                                   10^5, 10^6 settings rows; V107 up/down at 10^5 and 10^6
#                                   settings rows with 10^4 / 10^5 endpoints; 3 rounds.
#                                   Writes bench/results/<date>.md (and .tsv) and prints it.
#   scripts/bench.sh --pg 18 …      any of the above on PostgreSQL 18 (13 14 15 16 17 18)
# Options:
#   --pg NN              major NN's own tree and cluster, as scripts/test.sh uses them
#                        (eval "$(scripts/pgmajors.sh env NN)": .pg/NN/ binaries and pg_config,
#                        which the build is installed into; cluster /tmp/phoenix_kit_mig/pgNN/cluster,
#                        port 543NN; the tree is unpacked first if missing). It overrides
#                        PK_PG_MAJOR, PK_PG_BIN, PK_PG_CONFIG, PK_CLUSTER_DIR, PK_SOCKET_DIR and
#                        PK_PGPORT (PK_RUN_BASE, PK_PORT_PREFIX move them). Without it: PK_PG_MAJOR [15]
#                        picks the tree and the cluster is pgcluster.sh's default (PG15, port 54329),
#                        which is not the cluster of --pg 15. Default result file <date>-pgNN.md.
#   --sizes N,N,…        settings rows for V114 (and V107 unless --v107-sizes is given)
#   --v107-sizes N,N,…   settings rows for V107 (endpoints = rows / 10)
#   --rounds R           rounds of A B C P G S (interleaved; median over the rounds)
#   --seed S             data seed [42]
#   --only LIST          migrations to run, e.g. v114_up,v107_up [all four]
#   --out FILE           markdown result file (the .tsv goes next to it)
#   --rebuild            rebuild the data templates even if they exist
#   --no-install         use whatever build is installed (full mode otherwise installs a release build)
#   --keep-templates     keep the template databases at the end (default: kept; see --drop-templates)
#   --drop-templates     drop this run's template databases at the end
#   --cold-library       do not LOAD the library before the timing: the call loads it
#   --no-script          do not time G and S (pk_migration_script)
#   --with-proposed      also time D, bench/sql/proposed/<migration>.sql where it exists: the
#                        extension's statements with the fixes proposed in bench/README.md
#   --with-release VERSION=SO
#                        also time R, A of a released version in the same rounds (A R B …):
#                        the clone runs CREATE EXTENSION phoenix_kit_mig VERSION 'VERSION' (the
#                        released sql/phoenix_kit_mig--VERSION.sql, copied into the tree's
#                        share/extension if it is not there) and its functions point at a
#                        private copy of SO, that version's release .so for this major. The
#                        result file gets a table of A/B against R/B per round, A/R, and a
#                        verdict per row.
#   --installed-from TEXT  where the installed build came from (e.g. a commit), written in the
#                        result file for a build adopted with --no-install
#
# Variants, each in its own transaction on an identical fresh copy (CREATE DATABASE … TEMPLATE):
#   A  SELECT pk_migrate_…('public')                       bench/sql/variants/<m>.ext.sql
#   B  upstream's migration as plain SQL (docs/upstream.md §5, §7)   bench/sql/variants/<m>.upstream.sql
#   C  the floor: least work reaching the same keys/columns bench/sql/variants/<m>.floor.sql
#   P  SELECT count(*) FROM pk_migration_plan(…), the preview bench/sql/variants/<m>.plan.sql
#      (where that file exists: v114_up, v107_up); it changes nothing
#   G  generating the script: SELECT pk_migration_script('<m>', 'public') \g FILE, on a copy
#      with the extension (the text reaches psql and is written to FILE)  bench/sql/variants/<m>.script.sql
#   S  applying that FILE (G's of the same round) to a fresh copy WITHOUT the extension: the
#      script's own BEGIN; DO …; COMMIT;, timed as A is. Its end state must be A's.
#   R  (--with-release) A's statement and end-state check, on a clone with the released
#      version's extension and library. Its end state must be A's.
#   The result file also gives the script's size and the text of the rows the migration
#   changes (bench/sql/rows_text.sql), and G/A, S/A, size/text.
#
# Cluster: scripts/pgcluster.sh's (PK_CLUSTER_DIR, PK_SOCKET_DIR, PK_PGPORT are honoured; it
# is started if needed and left running). Data templates are databases named pkb_t_*, one set
# per cluster. The run stops if the server's major is not the binaries' (PK_PG_MAJOR without
# --pg against the default PG15 cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"

RELEASE_MAX_BYTES=20000000   # release .so ~0.5-6 MB (unstripped), debug ~50-75 MB

orig_args="$*"
mode=full sizes="" v107_sizes="" rounds="" seed=42 only="v114_up,v114_down,v107_up,v107_down"
out="" rebuild=0 install=auto preload=true drop_templates=0 variants="A B C P G S" pg_major=""
release_arg="" installed_from=""
while [ $# -gt 0 ]; do
  case $1 in
    --pg) [ -n "${2:-}" ] || { echo "bench: --pg needs a major (one of $(echo $(scripts/pgmajors.sh list)))" >&2; exit 2; }
          pg_major=$2; shift ;;
    --pg=*) pg_major=${1#--pg=} ;;
    --smoke) mode=smoke ;;
    --full) mode=full ;;
    --real-size) mode=full; sizes=1000; v107_sizes=1000; rounds=15; preload=false ;;
    --cold-library) preload=false ;;
    --sizes) sizes=$2; shift ;;
    --v107-sizes) v107_sizes=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --seed) seed=$2; shift ;;
    --only) only=$2; shift ;;
    --out) out=$2; shift ;;
    --rebuild) rebuild=1 ;;
    --no-install) install=no ;;
    --keep-templates) drop_templates=0 ;;
    --drop-templates) drop_templates=1 ;;
    --with-proposed) variants="${variants/P/P D}" ;;
    --no-script) variants="${variants/ G S/}" ;;
    --with-release) release_arg=${2:-}; shift ;;
    --with-release=*) release_arg=${1#--with-release=} ;;
    --installed-from) installed_from=${2:-}; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$mode" = smoke ]; then
  : "${sizes:=200}" "${rounds:=1}"
  : "${v107_sizes:=$sizes}"
else
  if [ -z "$v107_sizes" ]; then
    if [ -n "$sizes" ]; then v107_sizes=$sizes; else v107_sizes=100000,1000000; fi
  fi
  : "${sizes:=10000,100000,1000000}" "${rounds:=3}"
fi
for n in ${sizes//,/ } ${v107_sizes//,/ } $rounds $seed; do
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] || { echo "bench: sizes, rounds and seed must be positive integers" >&2; exit 2; }
done
if [ -n "$release_arg" ]; then
  [[ $release_arg =~ ^[0-9]+\.[0-9]+\.[0-9]+=.+ ]] ||
    { echo "bench: --with-release needs VERSION=SO, e.g. 0.2.0=/path/to/phoenix_kit_mig.so" >&2; exit 2; }
  # Right after A: both are timed in the same round, next to each other and to B.
  variants=${variants/A/A R}
fi

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# --- PostgreSQL major -------------------------------------------------------------------------
# --pg NN: everything below (binaries, pg_config and so the install target, cluster, socket,
# port) is major NN's, exactly as scripts/test.sh sets it up for that major.
if [ -n "$pg_major" ]; then
  # (Not a pipe: grep -q stops reading at the first match, and pipefail would then fail on
  # the writer's SIGPIPE.)
  grep -qx -- "$pg_major" <<<"$(scripts/pgmajors.sh list)" ||
    { echo "bench: unknown major '$pg_major' (one of $(echo $(scripts/pgmajors.sh list)))" >&2; exit 2; }
  scripts/pgmajors.sh ensure "$pg_major"
  pg_env=$(scripts/pgmajors.sh env "$pg_major") || die "scripts/pgmajors.sh env $pg_major failed"
  eval "$pg_env"
fi
PG_BIN=${PK_PG_BIN:-$(scripts/pgmajors.sh root "${PK_PG_MAJOR:-15}")/bin}
export PK_PG_BIN=$PG_BIN PK_PG_CONFIG=${PK_PG_CONFIG:-$PG_BIN/pg_config}
PG_CONFIG=${PK_PG_CONFIG:-$PG_BIN/pg_config}
[ -x "$PG_CONFIG" ] || die "no pg_config at $PG_CONFIG (scripts/setup.sh, or --pg NN)"
SO=$("$PG_CONFIG" --pkglibdir)/phoenix_kit_mig.so
bin_major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

# --- cluster --------------------------------------------------------------------------------
scripts/pgcluster.sh start >&2
eval "$(scripts/pgcluster.sh env)"
export PGHOST PGPORT PGUSER PGDATABASE=postgres
# Housekeeping sessions do not print NOTICEs; the timed session (PGOPTIONS reset) does.
psql() { PGOPTIONS="${PGOPTIONS:--c client_min_messages=warning}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
# The extension is installed into $PG_CONFIG's tree: a server of another major would run
# another tree's build (e.g. PK_PG_MAJOR=18 without --pg finds the default PG15 cluster running).
server_major=$(psql -d postgres -Atc "SELECT current_setting('server_version_num')::int / 10000")
[ "$server_major" = "$bin_major" ] ||
  die "the cluster at $PGHOST port $PGPORT runs PostgreSQL $server_major, the binaries and pg_config are $bin_major's ($PG_BIN); use --pg $bin_major"

# One benchmark at a time per cluster: runs would share templates and disturb each other's
# timings. The lock file sits next to the cluster's data directory.
lock_dir=$(dirname "${PK_CLUSTER_DIR:-/tmp/phoenix_kit_mig/cluster}")
exec 9>>"$lock_dir/bench.lock"
if ! flock -n 9; then
  say "another scripts/bench.sh is running on this cluster; waiting for it"
  flock 9
fi
work=$(mktemp -d /tmp/pkmig-bench-run.XXXXXX)
chmod 0755 "$work"
sampler_cleanup() { [ -f "$work/run/sampler.pid" ] && kill "$(cat "$work/run/sampler.pid")" 2>/dev/null || true; }
trap 'sampler_cleanup; psql -d postgres -c "DROP DATABASE IF EXISTS pkb_run WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

# --- the extension build ----------------------------------------------------------------------
# A build = the release .so this script installed plus the extension SQL script installed with
# it. The timed backends never load the installed .so: each clone's CREATE EXTENSION runs the
# installed SQL script, and then the extension's C functions are pointed (pg_proc.probin, on
# that throwaway clone only) at a private byte-identical copy of the build's .so. Other work may
# install another build into the same PostgreSQL at any time, and `cargo pgrx install` rewrites
# the .so in place, which kills any backend that has it mapped with SIGBUS (restarting the whole
# cluster); the private copy is immune. A new install is needed only when the installed SQL
# script no longer is the build's (the functions it declares must be those the .so exports).
EXT_DIR=$("$PG_CONFIG" --sharedir)/extension
so_size() { stat -c %s "$SO" 2>/dev/null || echo 0; }
so_sum() { sha256sum "$SO" 2>/dev/null | cut -c1-16; }
sql_sum() { cat "$EXT_DIR"/phoenix_kit_mig.control "$EXT_DIR"/phoenix_kit_mig--*.sql 2>/dev/null | sha256sum | cut -c1-16; }
installs=0 build_sum="" build_sql="" private_so=""
declare -A build_src   # build checksum -> where it came from
src_state() { # the commit, and whether src/ core/ sql/ Cargo.toml differ from it
  local rev; rev=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
  git diff --quiet HEAD -- src core sql Cargo.toml 2>/dev/null && echo "$rev" || echo "$rev + uncommitted changes"
}
adopt_installed() { # take what is installed now as the build: stash the .so, remember the script
  build_sum=$(so_sum); build_sql=$(sql_sum)
  mkdir -p "$work/lib"; chmod 0755 "$work/lib"
  private_so=$work/lib/phoenix_kit_mig.$build_sum.so
  [ -f "$private_so" ] || cp "$SO" "$private_so"
  chmod 0755 "$private_so"
  # The installed file may be rewritten while we copy it: the copy must be what we summed.
  [ "$(sha256sum "$private_so" | cut -c1-16)" = "$build_sum" ] || { rm -f "$private_so"; return 1; }
  # --installed-from names only the build found at the start; a later replacement is unknown.
  build_src[$build_sum]=${1:-"as installed ($(stat -c %s "$private_so") bytes; source ${installed_from:-unknown})"}
  installed_from=""
}
install_release() {
  say "installing the release build (PK_RELEASE=1 scripts/install-extension.sh)"
  local src log=$work/install.$installs.log
  src=$(src_state)
  mkdir -p "$work"
  if ! PK_RELEASE=1 scripts/install-extension.sh >"$log" 2>&1; then
    tail -n 30 "$log" >&2; die "release install failed (log $log)"
  fi
  installs=$((installs + 1))
  [ "$(so_size)" -lt "$RELEASE_MAX_BYTES" ] || die "installed $SO is $(so_size) bytes: not a release build"
  adopt_installed "release, source $src, installed $(date -u +%H:%M:%S)" ||
    die "$SO changed while it was being copied; run again"
  say "installed $SO: $(so_size) bytes, sha256 $build_sum"
}
# Before every clone of A or D: the installed SQL script must be the build's.
ensure_build() {
  [ "$(sql_sum)" != "$build_sql" ] || return 0
  if [ "$install" = yes ]; then
    say "the installed extension was replaced by a different one; reinstalling the release build"
    install_release
  else
    adopt_installed || die "$SO changed while it was being copied; run again"
  fi
}

# --- a released version (--with-release) --------------------------------------------------------
# R's clone is set up as A's, with two differences: CREATE EXTENSION … VERSION runs the released
# install script, and the functions point at a private copy of the released .so instead of the
# build's. cargo-pgrx installs only the current version's install script; the released one is
# kept unchanged in sql/ and copied into the tree, as tests/reliability/10_upgrade.t does (before
# the build is taken, whose identity includes the installed scripts).
release_ver="" release_so=""
if [ -n "$release_arg" ]; then
  release_ver=${release_arg%%=*}
  rel_src=${release_arg#*=}
  rel_sql=sql/phoenix_kit_mig--$release_ver.sql
  [ -f "$rel_sql" ] || die "$rel_sql is missing: $release_ver is not a released version"
  cmp -s "$rel_sql" "$EXT_DIR/phoenix_kit_mig--$release_ver.sql" || cp "$rel_sql" "$EXT_DIR/" ||
    die "cannot copy $rel_sql into $EXT_DIR"
  [ -f "$rel_src" ] || die "--with-release: no file $rel_src"
  rel_size=$(stat -L -c %s "$rel_src")
  [ "$rel_size" -lt "$RELEASE_MAX_BYTES" ] || die "$rel_src is $rel_size bytes: not a release build"
  rel_sum=$(sha256sum "$rel_src" | cut -c1-16)
  mkdir -p "$work/lib"; chmod 0755 "$work/lib"
  release_so=$work/lib/phoenix_kit_mig.$release_ver.$rel_sum.so
  cp "$rel_src" "$release_so"; chmod 0755 "$release_so"
  [ "$(sha256sum "$release_so" | cut -c1-16)" = "$rel_sum" ] || die "$rel_src changed while it was being copied"
  # A library missing a symbol the script names is not that version's (or not this major's).
  if command -v nm >/dev/null 2>&1; then
    missing=$(comm -23 <(grep -oE "'MODULE_PATHNAME', *'[A-Za-z0-9_]+'" "$EXT_DIR/phoenix_kit_mig--$release_ver.sql" | sed -E "s/.*'([A-Za-z0-9_]+)'$/\1/" | sort -u) \
                       <(nm -D --defined-only "$release_so" | awk '{print $3}' | sort -u))
    [ -z "$missing" ] || die "$rel_src lacks symbols of version $release_ver's install script: $(echo $missing)"
  fi
  build_src[$rel_sum]="release $release_ver, $rel_src ($rel_size bytes)"
  say "R: version $release_ver with $rel_src ($rel_size bytes, sha256 $rel_sum)"
fi

if [ "$install" = auto ]; then
  if [ "$mode" = full ]; then install=yes
  elif [ ! -f "$SO" ]; then
    say "phoenix_kit_mig is not installed; installing it (scripts/install-extension.sh)"
    scripts/install-extension.sh >&2
    install=no
  else install=no
  fi
fi
if [ "$install" = yes ]; then install_release; else
  [ -f "$SO" ] || die "$SO is missing (run scripts/install-extension.sh)"
  adopt_installed || die "$SO changed while it was being copied; run again"
fi

# --- data templates -------------------------------------------------------------------------
# Per settings-row count N (endpoints E = N/10, at least 1), three states, each a template
# database built once (VACUUM ANALYZE after building) and cloned for every run:
#   s106  settings with pre-V114 keys + endpoints without integration_uuid   -> v107_up
#   s107  s106 after V107 (upstream's SQL; same pins on this data)           -> v107_down, v114_up
#   s114  s107 after V114 (keys = uuid, provider/name in value_json)          -> v114_down
# The stamp (phoenix_kit comment) is set on the clone, outside the timing.
gen_hash=$(cat bench/sql/generate.sql tests/fixtures/phoenix_kit_fixture.sql bench/sql/variants/v107_up.upstream.sql | sha256sum | cut -c1-8)
tname() { echo "pkb_t_$1_$2_s${seed}_${gen_hash}"; }
db_exists() { [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '$1'")" = 1 ]; }
seal() { psql -d postgres -c "ALTER DATABASE $1 WITH IS_TEMPLATE true ALLOW_CONNECTIONS false" >/dev/null; }
unseal_drop() {
  psql -d postgres -c "ALTER DATABASE $1 WITH IS_TEMPLATE false" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
}
# FILE_COPY (PostgreSQL 15's new default is WAL_LOG, slower for large templates); before 15,
# file copy is the only strategy and the option does not exist.
clone_strategy=""
[ "$(psql -d postgres -Atc 'SHOW server_version_num')" -lt 150000 ] || clone_strategy=" STRATEGY FILE_COPY"
clone() { psql -d postgres -c "CREATE DATABASE $2 TEMPLATE $1$clone_strategy" >/dev/null; }

build_templates() {
  local n=$1 e=$(( $1 / 10 > 0 ? $1 / 10 : 1 )) t106 t107 t114 started=$SECONDS
  t106=$(tname s106 "$n"); t107=$(tname s107 "$n"); t114=$(tname s114 "$n")
  if [ $rebuild = 1 ]; then for t in $t114 $t107 $t106; do db_exists "$t" && unseal_drop "$t"; done; fi
  if ! db_exists "$t106"; then
    say "building $t106 ($n settings rows, $e endpoints, seed $seed)"
    psql -d postgres -c "DROP DATABASE IF EXISTS ${t106}_tmp" -c "CREATE DATABASE ${t106}_tmp" >/dev/null
    psql -d "${t106}_tmp" >/dev/null <<SQL
SET client_min_messages = warning;
\i tests/fixtures/phoenix_kit_fixture.sql
\i bench/sql/generate.sql
SET max_parallel_workers_per_gather = 0;
SELECT pg_temp.pk_fixture('public', 106);
SELECT pg_temp.bench_settings('public', $n, $seed);
SELECT pg_temp.bench_endpoints('public', $e, $seed);
VACUUM ANALYZE;
SQL
    psql -d postgres -c "ALTER DATABASE ${t106}_tmp RENAME TO $t106" >/dev/null
    seal "$t106"
  fi
  if ! db_exists "$t107"; then
    say "building $t107 (after V107)"
    psql -d postgres -c "DROP DATABASE IF EXISTS ${t107}_tmp" >/dev/null
    clone "$t106" "${t107}_tmp"
    psql -d "${t107}_tmp" >/dev/null <<SQL
SET client_min_messages = warning;
\i bench/sql/variants/v107_up.upstream.sql
VACUUM FULL public.phoenix_kit_ai_endpoints;
VACUUM ANALYZE;
SQL
    psql -d postgres -c "ALTER DATABASE ${t107}_tmp RENAME TO $t107" >/dev/null
    seal "$t107"
  fi
  if ! db_exists "$t114"; then
    say "building $t114 (after V114)"
    psql -d postgres -c "DROP DATABASE IF EXISTS ${t114}_tmp" >/dev/null
    clone "$t107" "${t114}_tmp"
    psql -d "${t114}_tmp" >/dev/null <<SQL
SET client_min_messages = warning;
\i tests/fixtures/phoenix_kit_fixture.sql
\i bench/sql/generate.sql
SELECT pg_temp.bench_to_v114('public');
DO \$\$ BEGIN
  IF EXISTS (SELECT 1 FROM public.phoenix_kit_settings WHERE module = 'integrations' AND key = uuid::text
              GROUP BY value_json ->> 'provider', value_json ->> 'name' HAVING count(*) > 1) THEN
    RAISE EXCEPTION 'bench data: duplicate (provider, name) after V114; the floor of v114_down needs none';
  END IF;
END \$\$;
VACUUM FULL public.phoenix_kit_settings;
VACUUM ANALYZE;
SQL
    psql -d postgres -c "ALTER DATABASE ${t114}_tmp RENAME TO $t114" >/dev/null
    seal "$t114"
  fi
  [ $((SECONDS - started)) -eq 0 ] || say "templates for $n rows ready in $((SECONDS - started)) s"
}

# --- one run ---------------------------------------------------------------------------------
# run_one MIGRATION ROWS ENDPOINTS ROUND VARIANT -> appends a TSV line
declare -A first_fp
mismatches=0 failures=0
tsv=$work/runs.tsv
printf 'migration\trows\tendpoints\tround\tvariant\tstatus\tms\thwm_before\thwm_after\tanon_before\tanon_peak\tanon_after\tso_mapped\tso_disk_before\tso_disk_after\tfingerprint\tagree\tbuild\tscript_bytes\tchanged_rows\tchanged_text_bytes\n' >"$tsv"
# G writes the script here (one per migration and size, replaced every round); S applies it.
mkdir -p "$work/scripts"; chmod 0755 "$work/scripts"
declare -A changed_rows changed_text   # migration:rows -> rows_text.sql's figures (G, round 1)

kv() { # kv "a=1 b=2" key -> value
  local pair
  for pair in $1; do [ "${pair%%=*}" = "$2" ] && { echo "${pair#*=}"; return; }; done
  echo ""
}

# Which parts of the end state must agree with A's: "B" and "C" lists per migration.
agree_keys() {
  case $1:$2 in
    v114_up:B) echo "keys module json version leftover rows" ;;
    v114_up:C) echo "keys version leftover rows" ;;
    v114_down:*) echo "keys module json version leftover rows" ;;
    v107_up:*|v107_down:*) echo "pins pinned indexes column version rows" ;;
  esac
}

run_one() {
  local mig=$1 n=$2 e=$3 round=$4 variant=$5 template stamp file check load=false wrap=true
  local script=$work/scripts/$mig.$n.sql script_bytes=""
  case $mig in
    v114_up) template=$(tname s107 "$n"); stamp=113; check=bench/sql/check_settings.sql ;;
    v114_down) template=$(tname s114 "$n"); stamp=114; check=bench/sql/check_settings.sql ;;
    v107_up) template=$(tname s106 "$n"); stamp=106; check=bench/sql/check_endpoints.sql ;;
    v107_down) template=$(tname s107 "$n"); stamp=107; check=bench/sql/check_endpoints.sql ;;
  esac
  case $variant in
    A|R) file=bench/sql/variants/$mig.ext.sql; load=true ;;
    B) file=bench/sql/variants/$mig.upstream.sql ;;
    C) file=bench/sql/variants/$mig.floor.sql ;;
    D) file=bench/sql/proposed/$mig.sql; load=true ;;
    P) file=bench/sql/variants/$mig.plan.sql; load=true ;;
    G) file=bench/sql/variants/$mig.script.sql; load=true; rm -f "$script" ;;
    S) file=$script; wrap=false ;;
  esac
  local vfile=$file; [[ $vfile = /* ]] || vfile=$ROOT/$file
  if [ "$variant" = S ] && [ ! -s "$script" ]; then  # G failed: nothing to apply
    failures=$((failures + 1)); mismatches=$((mismatches + 1))
    say "$mig rows=$n round=$round variant=S FAILED: no script (G failed)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t\t\t\t\t\t\t\t\t%s\t\t\t\t\n' "$mig" "$n" "$e" "$round" S error 0 "no(no script)" >>"$tsv"
    return
  fi
  local attempt=0 setups=0 status ms fp so_before so_after lib="" lib_sum="" version=""
  while :; do
    attempt=$((attempt + 1))
    if [ "$load" = true ]; then
      ensure_build
      # The extension and library the clone gets: the build's, or for R the released version's.
      lib=$private_so lib_sum=$build_sum
      [ "$variant" != R ] || { lib=$release_so lib_sum=$rel_sum version=$release_ver; }
    fi
    psql -d postgres -c "DROP DATABASE IF EXISTS pkb_run WITH (FORCE)" >/dev/null
    clone "$template" pkb_run
    if [ "$load" = true ]; then
      local create="CREATE EXTENSION phoenix_kit_mig${version:+ VERSION '$version'}"
      local point="UPDATE pg_catalog.pg_proc SET probin = '$lib' WHERE probin = '\$libdir/phoenix_kit_mig'"
      if ! psql -d pkb_run -c "$create" -c "$point" >/dev/null 2>"$work/create.err"; then
        # CREATE EXTENSION checks every C function's symbol in the INSTALLED .so (the C
        # validator ignores check_function_bodies), so a released script naming a symbol the
        # build no longer exports fails. Its functions are pointed at the released .so, which
        # has them all (checked at the start); on this throwaway clone only, the check is off.
        if [ "$variant" = R ] && grep -q 'could not find function' "$work/create.err"; then
          psql -d pkb_run -1 -c "UPDATE pg_catalog.pg_language SET lanvalidator = 0 WHERE lanname = 'c'" -c "$create" \
            -c "UPDATE pg_catalog.pg_language SET lanvalidator = 'pg_catalog.fmgr_c_validator'::regproc WHERE lanname = 'c'" \
            -c "$point" >/dev/null
        else
          cat "$work/create.err" >&2; die "$mig/$n/$variant: $create failed on the clone"
        fi
      fi
      if [ "$(sql_sum)" != "$build_sql" ]; then
        setups=$((setups + 1)); [ $setups -le 5 ] || die "the installed extension keeps changing; cannot set up a consistent one"
        say "the installed extension changed during CREATE EXTENSION; setting the clone up again"
        attempt=$((attempt - 1)); continue
      fi
    fi
    psql -d pkb_run -c "COMMENT ON TABLE public.phoenix_kit IS '$stamp'" >/dev/null
    rm -rf "$work/run"; mkdir -p "$work/run"; chmod 0755 "$work/run"
    so_before=$(so_size)
    status=ok
    BENCH_PROBE=$ROOT/bench/probe.sh BENCH_RUN_DIR=$work/run PGOPTIONS=" " \
      psql -d pkb_run -v bench_variant="$vfile" -v bench_wrap=$wrap -v bench_script="$script" -v bench_preload=$([ "$load" = true ] && echo $preload || echo false) -v bench_lib="$lib" -f bench/sql/timed.psql \
      >"$work/run/out" 2>"$work/run/err" || status=error
    so_after=$(so_size)
    local mapped; mapped=$(kv "$(tr '\n' ' ' <"$work/run/probe" 2>/dev/null)" so_mapped)
    # A must have run the release build (it cannot, unless the private copy is wrong).
    if [ "$load" = true ] && [ "$install" = yes ] && [ "${mapped:-0}" -ge "$RELEASE_MAX_BYTES" ]; then
      die "the timed run of $mig/$n/$variant mapped a $mapped-byte library, not the release build"
    fi
    # Nor a library other than its variant's (R and A have different ones).
    if [ "$load" = true ] && [ "${mapped:-0}" != 0 ] && [ "$mapped" != "$(stat -c %s "$lib")" ]; then
      die "the timed run of $mig/$n/$variant mapped a $mapped-byte library, not its own $lib"
    fi
    break
  done
  ms=$(awk '/^Time: [0-9.]+ ms/ {s += $2} END {printf "%.3f", s}' "$work/run/out")
  if [ "$status" = ok ] && [ "$variant" = G ] && [ ! -s "$script" ]; then
    status=error; echo "G: psql wrote no script to $script" >>"$work/run/err"
  fi
  if [ "$status" = ok ]; then
    fp=$(psql -d pkb_run -At -f "$check" | tr -d '\n') || fp="check-failed"
    if [ "$variant" = G ]; then
      # The script's size without the newline psql's unaligned output adds after the value.
      script_bytes=$(( $(stat -c %s "$script") - 1 ))
      # The text of the rows the migration changes, once per migration and size; the copy is
      # still as before the migration (generating changes nothing), and the timing is over.
      if [ -z "${changed_text[$mig:$n]:-}" ]; then
        local rt; rt=$(psql -d pkb_run -At -v bench_migration="$mig" -f bench/sql/rows_text.sql) || rt="|"
        changed_rows[$mig:$n]=${rt%%|*}; changed_text[$mig:$n]=${rt#*|}
      fi
    fi
  else
    fp=""; failures=$((failures + 1))
    say "$mig rows=$n round=$round variant=$variant FAILED:"; sed 's/^/    /' "$work/run/err" | head -n 20 >&2
  fi
  psql -d postgres -c "DROP DATABASE IF EXISTS pkb_run WITH (FORCE)" >/dev/null
  # Agreement with A's end state (A runs first in each round).
  local agree=yes k
  if [ "$status" = ok ] && { [ "$variant" = P ] || [ "$variant" = G ]; }; then
    # The preview and the script's generation change nothing: the end state is the
    # template's (fingerprint not compared).
    agree=yes
  elif [ "$status" = ok ]; then
    if [ "$variant" = A ]; then
      if [ -n "${first_fp[$mig:$n]:-}" ]; then
        for k in $(agree_keys "$mig" B); do
          [ "$(kv "$fp" "$k")" = "$(kv "${first_fp[$mig:$n]}" "$k")" ] || { agree="no($k vs round 1)"; break; }
        done
      else
        first_fp[$mig:$n]=$fp
      fi
    elif [ -n "${first_fp[$mig:$n]:-}" ]; then
      # D, R and S (the script) must reach what B must; R and S's V114 up also A's module and
      # value_json.
      local as=${variant/D/B}; as=${as/S/B}; as=${as/R/B}
      for k in $(agree_keys "$mig" "$as"); do
        [ "$(kv "$fp" "$k")" = "$(kv "${first_fp[$mig:$n]}" "$k")" ] || { agree="no($k)"; break; }
      done
    else
      agree="no(A failed)"
    fi
  else
    agree="no(error)"
  fi
  [ "$agree" = yes ] || { mismatches=$((mismatches + 1)); [ "$status" != ok ] || say "$mig rows=$n variant=$variant: end state differs from A's: $agree"; }
  # A's report (without the long row lists) for the results file.
  if [ "$variant" = A ] && [ "$status" = ok ]; then
    grep -v '^Time:' "$work/run/out" | grep '^{' | head -n 1 >"$work/report.$mig.$n.json" || true
  fi
  local p; p=$(tr '\n' ' ' <"$work/run/probe" 2>/dev/null || true)
  local build=$lib_sum
  local crows="" ctext=""
  if [ "$variant" = G ]; then crows=${changed_rows[$mig:$n]:-}; ctext=${changed_text[$mig:$n]:-}; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$mig" "$n" "$e" "$round" "$variant" "$status" "${ms:-0}" \
    "$(kv "$p" hwm_before)" "$(kv "$p" hwm_after)" "$(kv "$p" anon_before)" "$(kv "$p" anon_peak)" "$(kv "$p" anon_after)" \
    "$(kv "$p" so_mapped)" "$so_before" "$so_after" "$fp" "$agree" "$build" "$script_bytes" "$crows" "$ctext" >>"$tsv"
  say "$(printf '%-9s rows=%-8s round %s %s %10s ms  %s' "$mig" "$n" "$round" "$variant" "${ms:-0}" "$status${agree:+ agree=$agree}${script_bytes:+ script=$script_bytes bytes}")"
}

# --- main ------------------------------------------------------------------------------------
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$SECONDS
all_sizes=$(printf '%s\n' ${sizes//,/ } ${v107_sizes//,/ } | sort -n -u)
for n in $all_sizes; do build_templates "$n"; done
build_s=$((SECONDS - t0))

for mig in ${only//,/ }; do
  case $mig in
    v114_up|v114_down) list=$sizes ;;
    v107_up|v107_down) list=$v107_sizes ;;
    *) die "unknown migration $mig" ;;
  esac
  for n in $(printf '%s\n' ${list//,/ } | sort -n -u); do
    e=$(( n / 10 > 0 ? n / 10 : 1 ))
    for round in $(seq "$rounds"); do
      for variant in $variants; do
        [ "$variant" != D ] || [ -f "bench/sql/proposed/$mig.sql" ] || continue
        [ "$variant" != P ] || [ -f "bench/sql/variants/$mig.plan.sql" ] || continue
        run_one "$mig" "$n" "$e" "$round" "$variant"
      done
    done
  done
done
wall_s=$((SECONDS - t0))

# --- results ---------------------------------------------------------------------------------
if [ -z "$out" ]; then
  if [ "$mode" = smoke ]; then out=$work/smoke.md
  else
    sfx=${pg_major:+-pg$pg_major}
    out=bench/results/$(date -u +%Y-%m-%d)$sfx.md
    [ ! -e "$out" ] || out=bench/results/$(date -u +%Y-%m-%d-%H%M%S)$sfx.md
  fi
fi
mkdir -p "$(dirname "$out")"
cp "$tsv" "${out%.md}.tsv"
{
  echo "# phoenix_kit_mig benchmark on PostgreSQL $server_major — $started_at"
  echo
  echo "- command: \`scripts/bench.sh${orig_args:+ $orig_args}\` ($mode; sizes $sizes; V107 sizes $v107_sizes, endpoints = rows/10; $rounds round(s); seed $seed)"
  for b in $(cut -f18 "$tsv" | tail -n +2 | sort -u); do  # every build used by A or D
    [ -n "$b" ] || continue
    echo "- build \`$b\`: ${build_src[$b]:-?}; used by $(awk -F'\t' -v b="$b" '$18 == b {n++; r = $1 " " $2 " rows round " $4 " " $5; if (n == 1) f = r} END {printf "%d timed run(s), from %s to %s", n, f, r}' "$tsv")"
  done
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load average at the end $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $(psql -d postgres -Atc 'SHOW server_version'), shared_buffers $(psql -d postgres -Atc 'SHOW shared_buffers'), work_mem $(psql -d postgres -Atc 'SHOW work_mem'), fsync off (scripts/pgcluster.sh)"
  if [ "$preload" = true ]; then echo "- library: LOADed in each timed connection before the timing (not timed)"
  else echo "- library: not loaded before the timing; the call loads it (timed, as a user's first call)"; fi
  echo "- wall time: $((wall_s / 60)) min $((wall_s % 60)) s in all, of which $build_s s building data templates"
  echo
  psql -d postgres -v release="$release_ver" -f bench/sql/report.sql <"$tsv"
  if ls "$work"/report.*.json >/dev/null 2>&1; then
    echo
    echo "## Reports of A (largest size of each migration; row lists counted)"
    echo
    for m in v114_up v114_down v107_up v107_down; do
      f=""
      for n in $all_sizes; do [ ! -s "$work/report.$m.$n.json" ] || f=$work/report.$m.$n.json; done
      [ -n "$f" ] || continue
      printf -- '- `%s`: ' "$m"
      psql -d postgres -At -v rep="$f" <<'SQL'
\set content `cat :rep`
SELECT (r - 'left_unpinned' - 'suffixed' - 'elapsed_ms' - 'schema' - 'dry_run'
        || jsonb_strip_nulls(jsonb_build_object(
             'left_unpinned', CASE WHEN r ? 'left_unpinned' THEN jsonb_array_length(r -> 'left_unpinned') END,
             'suffixed', CASE WHEN r ? 'suffixed' THEN jsonb_array_length(r -> 'suffixed') END)))::text
  FROM (SELECT :'content'::jsonb AS r) x;
SQL
    done
  fi
} >"$out"
cat "$out"
say "results: $out (raw runs: ${out%.md}.tsv)"

if [ "$drop_templates" = 1 ]; then
  for n in $all_sizes; do for s in s114 s107 s106; do db_exists "$(tname $s "$n")" && unseal_drop "$(tname $s "$n")"; done; done
fi
if [ $failures -gt 0 ] || [ $mismatches -gt 0 ]; then
  say "FAILED: $failures run(s) failed, $mismatches run(s) disagree with the extension's end state (logs: $work)"
  exit 1
fi
[ "$mode" != smoke ] || rm -rf "$work"
say "ok"
