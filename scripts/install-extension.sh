#!/usr/bin/env bash
# Build phoenix_kit_mig and install it into the system PostgreSQL 15, so that
# `CREATE EXTENSION phoenix_kit_mig` works in any cluster run from these binaries
# (e.g. scripts/pgcluster.sh). Idempotent: re-running rebuilds and overwrites the files.
#
#   scripts/install-extension.sh [extra cargo-pgrx install args…]
#
# Environment:
#   PK_RELEASE=1   build with --release (small optimised .so; default is a debug build)
#   PK_PG_CONFIG   pg_config of the target server [/usr/lib/postgresql/15/bin/pg_config]
#
# Needs cargo-pgrx 0.18.1 (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_CONFIG=${PK_PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PGRX_VERSION=0.18.1

die() { printf 'install-extension: error: %s\n' "$*" >&2; exit 1; }

[ -f Cargo.toml ] || die "no Cargo.toml in $(pwd)"
[ -x "$PG_CONFIG" ] || die "$PG_CONFIG not found (apt-get install postgresql-server-dev-15, or set PK_PG_CONFIG)"
# A different cargo-pgrx would build against a different pgrx ABI than the pinned crates.
cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION" ||
  die "cargo-pgrx $PGRX_VERSION is required (run scripts/setup.sh)"

# --pg-config pins the target server explicitly: otherwise cargo-pgrx takes the first
# pg_config in $PATH, which need not be PostgreSQL 15.
args=(pgrx install --pg-config "$PG_CONFIG")
if [ "${PK_RELEASE:-0}" = 1 ]; then
  args+=(--release)
fi
# The extension files go to root-owned directories ($(pg_config --pkglibdir),
# $(pg_config --sharedir)/extension). Root writes there directly; anyone else needs
# cargo-pgrx's --sudo, which builds as the caller and only copies the artifacts with sudo.
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is missing; run as root or install sudo"
  args+=(--sudo)
fi

echo "install-extension: cargo ${args[*]}${*:+ $*}"
cargo "${args[@]}" "$@"

ext_dir="$("$PG_CONFIG" --sharedir)/extension"
[ -f "$ext_dir/phoenix_kit_mig.control" ] ||
  die "build finished but $ext_dir/phoenix_kit_mig.control is missing"
echo "install-extension: installed into $ext_dir and $("$PG_CONFIG" --pkglibdir)"
