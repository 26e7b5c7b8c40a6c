#!/usr/bin/env bash
# Installable artifacts of pg_vitals (release builds), one per PostgreSQL major:
#   15: a Debian package, postgresql-15-pg-vitals_<version>_amd64.deb, for Debian's
#       PostgreSQL 15 (apt-get install ./postgresql-15-pg-vitals_<version>_amd64.deb);
#   16, 17, 18: a tarball, pg_vitals-<version>-pg<major>-linux-x86_64.tar.gz, with the module,
#       the extension files and install.sh, which installs them into the PostgreSQL whose
#       pg_config it is given.
# Usage: scripts/package.sh [MAJOR...]   (default: every supported major)
# Artifacts are written to .build/packages/; their paths are printed, one per line, last.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/cluster.sh

majors=("$@")
((${#majors[@]})) || read -ra majors <<<"$PG_MAJORS"
version=$(extension_version)
out="$BUILD/packages"
mkdir -p "$out"
artifacts=()

for v in "${majors[@]}"; do
  pg_config=$(pg_config_for "$v")
  staged="$BUILD/package-pg$v"
  rm -rf "$staged"
  echo "==> release build of pg_vitals $version for PostgreSQL $v" >&2
  cargo pgrx package --pg-config "$pg_config" --no-default-features --features "pg$v" --out-dir "$staged" \
    >"$BUILD/package-pg$v.log" 2>&1 || { tail -30 "$BUILD/package-pg$v.log" >&2; exit 1; }
  # cargo pgrx package lays the files out under the install's absolute paths.
  pkglib="$staged$("$pg_config" --pkglibdir)"
  extension="$staged$("$pg_config" --sharedir)/extension"
  [[ -f "$pkglib/pg_vitals.so" && -f "$extension/pg_vitals.control" ]] \
    || { echo "cargo pgrx package left no pg_vitals.so or control file under $staged" >&2; exit 1; }

  if [[ $v == 15 ]]; then
    # Debian's PostgreSQL 15 paths are the package's paths: the staged tree is the package.
    deb_root="$BUILD/deb-pg$v"
    rm -rf "$deb_root"
    cp -a "$staged" "$deb_root"
    mkdir -p "$deb_root/DEBIAN" "$deb_root/usr/share/doc/postgresql-15-pg-vitals"
    cp LICENSE "$deb_root/usr/share/doc/postgresql-15-pg-vitals/copyright"
    installed_kb=$(du -sk --exclude=DEBIAN "$deb_root" | cut -f1)
    # The newest glibc symbol version the module uses is the libc it needs.
    glibc=$(objdump -T "$pkglib/pg_vitals.so" | grep -oP '\bGLIBC_\K[0-9.]+' | sort -V | tail -1)
    cat >"$deb_root/DEBIAN/control" <<CONTROL
Package: postgresql-15-pg-vitals
Version: $version
Architecture: amd64
Maintainer: pg_vitals developers <pg_vitals@localhost>
Depends: postgresql-15, libc6 (>= $glibc)
Installed-Size: $installed_kb
Section: database
Priority: optional
Description: per-statement statistics, EXPLAIN insights and advice for PostgreSQL 15
 pg_vitals records how every statement behaves (timing, resources, latency
 percentiles, failures, plans), adds what plain EXPLAIN leaves out, and advises
 on autovacuum, configuration and indexes. Load it with
 shared_preload_libraries = 'pg_vitals', then CREATE EXTENSION pg_vitals.
CONTROL
    find "$deb_root" -type d -exec chmod 755 {} +
    find "$deb_root" -type f -exec chmod 644 {} +
    chmod 755 "$deb_root$("$pg_config" --pkglibdir)/pg_vitals.so"
    deb="$out/postgresql-15-pg-vitals_${version}_amd64.deb"
    dpkg-deb --root-owner-group --build "$deb_root" "$deb" >/dev/null
    artifacts+=("$deb")
  else
    name="pg_vitals-$version-pg$v-linux-x86_64"
    tree="$BUILD/$name"
    rm -rf "$tree"
    mkdir -p "$tree/lib" "$tree/extension"
    cp "$pkglib/pg_vitals.so" "$tree/lib/"
    cp "$extension"/pg_vitals* "$tree/extension/"
    cp LICENSE "$tree/"
    cat >"$tree/install.sh" <<INSTALL
#!/bin/sh
# Installs pg_vitals $version into PostgreSQL $v: the module into pg_config --pkglibdir, the
# extension files into pg_config --sharedir/extension. Stop the servers that use an earlier
# pg_vitals.so first: replacing a loaded module under a running server crashes it.
# Usage: sh install.sh [PATH_TO_PG_CONFIG]   (default: pg_config on PATH)
set -eu
pg_config=\${1:-pg_config}
here=\$(cd "\$(dirname "\$0")" && pwd)
server=\$("\$pg_config" --version)
case "\$server" in
  "PostgreSQL $v."*) ;;
  *) echo "this pg_vitals is built for PostgreSQL $v; \$pg_config is \$server" >&2; exit 1 ;;
esac
install -m 755 "\$here/lib/pg_vitals.so" "\$("\$pg_config" --pkglibdir)/pg_vitals.so"
install -m 644 "\$here"/extension/* "\$("\$pg_config" --sharedir)/extension/"
echo "pg_vitals $version installed into \$(\$pg_config --bindir | sed 's|/bin\$||')"
echo "next: shared_preload_libraries = 'pg_vitals' in postgresql.conf, restart, CREATE EXTENSION pg_vitals"
INSTALL
    chmod 755 "$tree/install.sh"
    tarball="$out/$name.tar.gz"
    tar -C "$BUILD" --owner=0 --group=0 -czf "$tarball" "$name"
    artifacts+=("$tarball")
  fi
done
printf '%s\n' "${artifacts[@]}"
