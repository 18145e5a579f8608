#!/usr/bin/env bash
# Tests the packages of scripts/package.sh (dist/), as an operator would install them:
#
#   scripts/package-test.sh [NN…]     all majors by default; run as root (or with sudo)
#
# - PostgreSQL 15 .deb: `dpkg -i` into the system PostgreSQL 15 (Debian's postgresql-15), the
#   psql-level suite against it (a throwaway cluster run from /usr/lib/postgresql/15/bin, with
#   Debian's pg_regress), then `dpkg -r`, after which no file of the package may be left.
#   This is the only step of the project that installs into the system PostgreSQL. Files of an
#   extension installed there by hand earlier (not by a package) are moved aside first and put
#   back afterwards (by rename, so a running server that has the old .so mapped keeps it).
# - every major's tarball (15's too): its INSTALL line, run with a pristine copy of that
#   major's tree (unpacked again from the verified wheel) as pg_config, then the psql-level
#   suite against a throwaway cluster run from that copy.
# Prints "package-test: ok - …" / "package-test: not ok - …" per check; exits non-zero on any
# failure. Clusters: socket /tmp/phoenix_kit_mig/pkgNN, port 544NN.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'package-test: %s\n' "$*"; }
die() { printf 'package-test: error: %s\n' "$*" >&2; exit 2; }

EXT=phoenix_kit_mig
PKG=phoenix-kit-mig
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
DIST=$ROOT/dist
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
[ $# -gt 0 ] || set -- $(scripts/pgmajors.sh list)

failures=0
check() { # check RC DESC
  local rc=$1; shift
  if [ "$rc" = 0 ]; then say "ok - $*"; else say "not ok - $*"; failures=$((failures + 1)); fi
}

# regress_on NAME BIN PG_REGRESS: the psql-level suite on a fresh throwaway cluster from BIN.
regress_on() {
  local name=$1 bin=$2 pgr=$3 nn=$4 rc=0
  (
    export PK_PG_BIN=$bin PK_PG_REGRESS=$pgr
    export PK_SOCKET_DIR=/tmp/phoenix_kit_mig/pkg$nn PK_CLUSTER_DIR=/tmp/phoenix_kit_mig/pkg$nn/cluster PK_PGPORT=544$nn
    scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
    rc=0
    scripts/regress.sh --no-install --stop || rc=$?
    scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
    exit $rc
  ) || rc=$?
  check "$rc" "$name: psql-level suite"
}

# --- PostgreSQL 15: the .deb into the system PostgreSQL -------------------------------------
# system_sessions: pids of the client backends (not the auxiliary processes) of every server
# run from /usr/lib/postgresql/15/bin.
system_sessions() {
  local pm
  for pm in $(pgrep -f '^/usr/lib/postgresql/15/bin/postgres' || true); do
    pgrep -P "$pm" -a 2>/dev/null | grep -vE 'postgres: (checkpointer|background writer|walwriter|autovacuum launcher|autovacuum worker|logical replication launcher|archiver|stats collector|startup|walreceiver|walsummarizer|io worker)' |
      awk '{print $1}'
  done | tr '\n' ' ' | sed 's/ $//'
}
deb_test() {
  local nn=15 deb=$DIST/postgresql-15-${PKG}_${VERSION}_amd64.deb pkg=postgresql-15-$PKG
  [ -f "$deb" ] || { check 1 "$deb exists (scripts/package.sh 15)"; return; }
  [ -x /usr/lib/postgresql/15/bin/postgres ] || { check 1 "the system PostgreSQL 15 is installed (scripts/setup.sh)"; return; }
  # Another server run from the system PostgreSQL 15 (someone else's work on a shared machine)
  # could load the extension while it is swapped: wait until no such server has a session
  # (idle servers are fine: files are only ever replaced by rename, never rewritten in place).
  local waited=0 limit=${PK_PACKAGE_TEST_WAIT:-900}
  while [ -n "$(system_sessions)" ]; do
    [ "$waited" -lt "$limit" ] || { check 1 "no session on a server run from /usr/lib/postgresql/15/bin (waited $limit s: $(system_sessions))"; return; }
    [ "$waited" != 0 ] || say "sessions on a server run from /usr/lib/postgresql/15/bin ($(system_sessions)); waiting for them to end (up to $limit s)"
    sleep 5; waited=$((waited + 5))
  done
  # A leftover of an interrupted run.
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then $SUDO dpkg -r "$pkg" >/dev/null; fi
  local files=() f aside
  mapfile -t files < <(dpkg-deb -c "$deb" | awk '{print substr($6, 2)}' | grep -E "/$EXT[.-][^/]*$")
  [ ${#files[@]} -ge 3 ] || { check 1 "the .deb holds the library, the control file and the SQL"; return; }
  aside=$(mktemp -d /tmp/pkmig-package-aside.XXXXXX)
  local moved=()
  for f in /usr/lib/postgresql/15/lib/$EXT.so /usr/share/postgresql/15/extension/$EXT.control /usr/share/postgresql/15/extension/$EXT--*.sql; do
    [ -e "$f" ] || continue
    if ! dpkg -S "$f" >/dev/null 2>&1; then
      say "moving aside $f (installed by hand, not by a package)"
      $SUDO mv "$f" "$aside/$(echo "$f" | tr / _)"; moved+=("$f")
    fi
  done
  local rc=0
  $SUDO dpkg -i "$deb" || rc=$?
  check "$rc" "dpkg -i $(basename "$deb") into the system PostgreSQL 15"
  if [ "$rc" = 0 ]; then
    local missing=0
    for f in "${files[@]}"; do [ -f "$f" ] || { say "missing after dpkg -i: $f"; missing=1; }; done
    check "$missing" "every file of the package is installed (${#files[@]} files: /usr/lib/postgresql/15/lib, /usr/share/postgresql/15/extension)"
    regress_on ".deb in the system PostgreSQL 15 ($(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}'))" \
      /usr/lib/postgresql/15/bin /usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress 15
    rc=0; $SUDO dpkg -r "$pkg" >/dev/null || rc=$?
    check "$rc" "dpkg -r $pkg"
    local left=0
    for f in "${files[@]}"; do [ ! -e "$f" ] || { say "left behind by dpkg -r: $f"; left=1; }; done
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then left=1; fi
    check "$left" "dpkg -r leaves no file of the package behind"
  fi
  for f in "${moved[@]}"; do $SUDO mv "$aside/$(echo "$f" | tr / _)" "$f"; done
  rmdir "$aside" 2>/dev/null || true
}

# --- every major: the tarball into a pristine tree ------------------------------------------
tarball_test() {
  local nn=$1 tgz=$PKG-$VERSION-pg$nn-amd64.tar.gz dir root rc
  [ -f "$DIST/$tgz" ] || { check 1 "$tgz exists (scripts/package.sh $nn)"; return; }
  dir=$ROOT/target/package-test/pg$nn
  rm -rf "$dir"; mkdir -p "$dir"
  root=$(scripts/pgmajors.sh unpack "$nn" "$dir/tree")
  [ ! -e "$root/lib/$EXT.so" ] || { check 1 "pg$nn: the pristine tree has no $EXT.so"; return; }
  # INSTALL's own line, with the pristine tree's pg_config first in PATH.
  local line; line=$(tar -xOzf "$DIST/$tgz" INSTALL | grep '^tar ')
  rc=0; (cd "$DIST" && PATH="$root/bin:$PATH" bash -euo pipefail -c "$line") || rc=$?
  check "$rc" "pg$nn: $tgz installed by its INSTALL line: $line"
  [ "$rc" = 0 ] || return 0
  rc=0
  [ -f "$root/lib/$EXT.so" ] && [ -f "$root/share/extension/$EXT.control" ] && [ -f "$root/share/extension/$EXT--$VERSION.sql" ] || rc=1
  check "$rc" "pg$nn: $EXT.so in $root/lib, $EXT.control and $EXT--$VERSION.sql in $root/share/extension"
  regress_on "pg$nn: tarball in a pristine PostgreSQL $("$root/bin/postgres" --version | awk '{print $3}') tree" \
    "$root/bin" "$root/lib/pgxs/src/test/regress/pg_regress" "$nn"
  rm -rf "$dir"
}

for nn in "$@"; do
  if [ "$nn" = 15 ]; then deb_test; fi
  tarball_test "$nn"
done
if [ "$failures" -gt 0 ]; then say "FAILED: $failures check(s) failed"; exit 1; fi
say "all checks passed"
