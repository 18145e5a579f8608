#!/usr/bin/env bash
# Release packages an operator installs without Rust, one set per PostgreSQL major:
#
#   scripts/package.sh [NN…]     all majors of scripts/pgmajors.sh by default
#
# For each major: a release build against that major's project-owned tree
# (`cargo pgrx package --pg-config .pg/<major>/…/pg_config`), and from it in dist/:
#   postgresql-NN-phoenix-kit-mig_<version>_amd64.deb   for Debian/PGDG PostgreSQL NN:
#       /usr/lib/postgresql/NN/lib/phoenix_kit_mig.so
#       /usr/share/postgresql/NN/extension/phoenix_kit_mig.control, phoenix_kit_mig--*.sql
#       (Depends: postgresql-NN; install with `dpkg -i`, or `apt install ./file.deb`)
#   phoenix-kit-mig-<version>-pgNN-amd64.tar.gz          the same files relative to pg_config's
#       directories (lib/…, extension/…) and INSTALL, whose one line installs them into the
#       PostgreSQL whose pg_config is first in PATH (or PG_CONFIG=…):
#         tar -xzf F -C "$(pg_config --pkglibdir)" --strip-components=1 lib && tar -xzf F -C "$(pg_config --sharedir)" extension
# <version> is Cargo.toml's. Builds as the caller (root or not); needs dpkg-deb (Debian).
# scripts/package-test.sh tests what this builds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"
export PGRX_HOME=${PGRX_HOME:-$ROOT/.pg/pgrx}

say() { printf 'package: %s\n' "$*"; }
die() { printf 'package: error: %s\n' "$*" >&2; exit 1; }

EXT=phoenix_kit_mig
PKG=phoenix-kit-mig
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$VERSION" ] || die "no version in Cargo.toml"
DIST=$ROOT/dist
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian's dpkg)"
[ $# -gt 0 ] || set -- $(scripts/pgmajors.sh list)

mkdir -p "$DIST"
for nn in "$@"; do
  t0=$SECONDS
  pgc=$(scripts/pgmajors.sh pg-config "$nn")
  [ -x "$pgc" ] || die "$pgc is missing (scripts/setup.sh)"
  work=$ROOT/target/package/pg$nn
  rm -rf "$work"; mkdir -p "$work"
  say "pg$nn: cargo pgrx package --pg-config $pgc"
  cargo pgrx package --pg-config "$pgc" --out-dir "$work/build" >"$work/build.log" 2>&1 ||
    { tail -n 30 "$work/build.log" >&2; die "pg$nn: cargo pgrx package failed (log $work/build.log)"; }
  so=$work/build$("$pgc" --pkglibdir)/$EXT.so
  extdir=$work/build$("$pgc" --sharedir)/extension
  [ -f "$so" ] || die "pg$nn: $so was not built"
  [ -f "$extdir/$EXT.control" ] && [ -f "$extdir/$EXT--$VERSION.sql" ] ||
    die "pg$nn: $extdir lacks $EXT.control or $EXT--$VERSION.sql"
  grep -q "^default_version = '$VERSION'" "$extdir/$EXT.control" ||
    die "pg$nn: $EXT.control does not say default_version = '$VERSION'"

  # The files, relative to pg_config's directories.
  rel=$work/rel
  mkdir -p "$rel/lib" "$rel/extension"
  install -m 0755 "$so" "$rel/lib/$EXT.so"
  for f in "$extdir/$EXT.control" "$extdir/$EXT"--*.sql; do install -m 0644 "$f" "$rel/extension/"; done

  # Debian package.
  deb=$work/deb
  mkdir -p "$deb/DEBIAN" "$deb/usr/lib/postgresql/$nn/lib" "$deb/usr/share/postgresql/$nn/extension"
  cp -p "$rel/lib/$EXT.so" "$deb/usr/lib/postgresql/$nn/lib/"
  cp -p "$rel/extension/"* "$deb/usr/share/postgresql/$nn/extension/"
  cat >"$deb/DEBIAN/control" <<EOF
Package: postgresql-$nn-$PKG
Version: $VERSION
Architecture: amd64
Maintainer: phoenix_kit_mig developers <phoenix-kit-mig@invalid>
Depends: postgresql-$nn
Section: database
Priority: optional
Installed-Size: $(du -sk "$deb/usr" | cut -f1)
Description: PhoenixKit's V107 and V114 data migrations for PostgreSQL $nn
 A PostgreSQL extension (CREATE EXTENSION phoenix_kit_mig) that performs PhoenixKit's
 V107 and V114 data migrations and their downs in-server, inside the caller's
 transaction: all or nothing, a pre-flight listing every offending row, a version guard,
 a dry run and a JSON report. Built for PostgreSQL $nn ($("$pgc" --version) headers).
EOF
  debfile=$DIST/postgresql-$nn-${PKG}_${VERSION}_amd64.deb
  rm -f "$debfile"
  dpkg-deb --build --root-owner-group -Zxz "$deb" "$debfile" >/dev/null

  # Tarball relative to pg_config's directories, with its install line.
  tgz=$PKG-$VERSION-pg$nn-amd64.tar.gz
  cat >"$rel/INSTALL" <<EOF
phoenix_kit_mig $VERSION for PostgreSQL $nn (x86_64 Linux, glibc). Install (as the owner of the PostgreSQL installation, e.g. root) into the PostgreSQL whose pg_config is first in PATH, then CREATE EXTENSION phoenix_kit_mig; in each database:
tar -xzf $tgz -C "\$(pg_config --pkglibdir)" --strip-components=1 lib && tar -xzf $tgz -C "\$(pg_config --sharedir)" extension
EOF
  rm -f "$DIST/$tgz"
  tar -czf "$DIST/$tgz" --owner=0 --group=0 --numeric-owner --sort=name -C "$rel" INSTALL lib extension
  say "pg$nn: $(basename "$debfile") ($(stat -c %s "$debfile") bytes), $tgz ($(stat -c %s "$DIST/$tgz") bytes), .so $(stat -c %s "$so") bytes, $((SECONDS - t0)) s"
done
ls -l "$DIST"
