#!/usr/bin/env bash
# Build phoenix_kit_mig and install it into the project-owned tree of one PostgreSQL major
# (.pg/<major>/, scripts/pgmajors.sh; 15 by default), so that `CREATE EXTENSION phoenix_kit_mig`
# works in any cluster run from those binaries (e.g. scripts/pgcluster.sh). Never the system
# PostgreSQL: installing the .so under a running server crashes its backends (operators install
# the packages of scripts/package.sh). Idempotent: re-running rebuilds and overwrites the files.
#
#   scripts/install-extension.sh [extra cargo-pgrx install args…]
#
# Environment:
#   PK_RELEASE=1   build with --release (small optimised .so; default is a debug build)
#   PK_PG_MAJOR    major to install into [15]
#   PK_PG_CONFIG   pg_config of the target tree [that major's, scripts/pgmajors.sh pg-config]
#   PGRX_HOME      pgrx's configuration [.pg/pgrx, written by scripts/setup.sh]
#
# Needs cargo-pgrx 0.18.1 (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_CONFIG=${PK_PG_CONFIG:-$(scripts/pgmajors.sh pg-config "${PK_PG_MAJOR:-15}")}
export PGRX_HOME=${PGRX_HOME:-$(pwd)/.pg/pgrx}
PGRX_VERSION=0.18.1

die() { printf 'install-extension: error: %s\n' "$*" >&2; exit 1; }

[ -f Cargo.toml ] || die "no Cargo.toml in $(pwd)"
[ -x "$PG_CONFIG" ] || die "$PG_CONFIG not found (run scripts/setup.sh, or set PK_PG_CONFIG)"
case $PG_CONFIG in
  /usr/*) [ "${PK_ALLOW_SYSTEM_INSTALL:-0}" = 1 ] ||
    die "$PG_CONFIG is a system PostgreSQL; install the package of scripts/package.sh instead (or PK_ALLOW_SYSTEM_INSTALL=1)" ;;
esac
# A different cargo-pgrx would build against a different pgrx ABI than the pinned crates.
cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION" ||
  die "cargo-pgrx $PGRX_VERSION is required (run scripts/setup.sh)"

# --pg-config pins the target tree explicitly: otherwise cargo-pgrx takes the first
# pg_config in $PATH.
args=(pgrx install --pg-config "$PG_CONFIG")
if [ "${PK_RELEASE:-0}" = 1 ]; then
  args+=(--release)
fi
# The extension files go to $(pg_config --pkglibdir) and $(pg_config --sharedir)/extension.
# Whoever ran scripts/setup.sh owns the project's trees; for a tree the caller cannot write
# (PK_ALLOW_SYSTEM_INSTALL) cargo-pgrx's --sudo builds as the caller and copies with sudo.
if [ ! -w "$("$PG_CONFIG" --pkglibdir)" ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is missing; run as root or install sudo"
  args+=(--sudo)
fi

echo "install-extension: cargo ${args[*]}${*:+ $*}"
cargo "${args[@]}" "$@"

ext_dir="$("$PG_CONFIG" --sharedir)/extension"
[ -f "$ext_dir/phoenix_kit_mig.control" ] ||
  die "build finished but $ext_dir/phoenix_kit_mig.control is missing"
echo "install-extension: installed into $ext_dir and $("$PG_CONFIG" --pkglibdir)"
