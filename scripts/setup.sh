#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine; idempotent.
# Works as root or as a normal user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_MAJOR=15
PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
PGRX_VERSION=0.18.1
PG_USER=${PK_PG_USER:-pgtest}

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

need_apt=()
for pkg in postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR sudo postgresql-$PG_MAJOR-pgtap libtap-parser-sourcehandler-pgtap-perl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
  echo "setup: installing cargo-pgrx $PGRX_VERSION"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

PGRX_HOME=${PGRX_HOME:-$HOME/.pgrx}
if ! grep -qs "pg$PG_MAJOR *= *\"$PG_CONFIG\"" "$PGRX_HOME/config.toml"; then
  echo "setup: cargo pgrx init against the system PostgreSQL $PG_MAJOR"
  cargo pgrx init --pg$PG_MAJOR "$PG_CONFIG"
fi

# PostgreSQL refuses to run as root: test and demo servers run as this user.
if ! id "$PG_USER" >/dev/null 2>&1; then
  echo "setup: creating user $PG_USER"
  $SUDO useradd --create-home "$PG_USER"
fi
echo "setup: done"
