#!/usr/bin/env bash
# Builds Debian's own rpm 4.18 source with the ndb backend enabled (Debian's binary package leaves it
# out), into a private prefix, for make-fixtures.sh: `RPM_NDB=$PREFIX/bin/rpm ./make-fixtures.sh`.
# Uses a private apt source list (deb-src) so the machine's apt configuration is not touched.
# Build dependencies (Debian): build-essential pkg-config libpopt-dev libarchive-dev liblua5.3-dev
# libzstd-dev libmagic-dev libgcrypt20-dev libsqlite3-dev zlib1g-dev libbz2-dev liblzma-dev libelf-dev
set -euo pipefail
PREFIX="${1:-/tmp/rpm-ndb}"
src="$(mktemp -d)"
cat > "$src/src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
mkdir -p "$src/lists/partial"
O=(-o "Dir::Etc::sourcelist=$src/src.sources" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$src/lists")
apt-get "${O[@]}" update -qq
(cd "$src" && apt-get "${O[@]}" source --download-only rpm)
tar -C "$src" -xf "$src"/rpm_*.orig.tar.xz
cd "$src"/rpm-4.*/
LUA_CFLAGS="$(pkg-config --cflags lua5.3)" LUA_LIBS="$(pkg-config --libs lua5.3)" \
  ./configure --prefix="$PREFIX" --enable-ndb --enable-sqlite=yes --disable-plugins --disable-openmp \
  --without-selinux --without-cap --without-audit --disable-nls >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
"$PREFIX/bin/rpm" --showrc | grep 'available backends'
