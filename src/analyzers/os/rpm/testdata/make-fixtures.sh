#!/usr/bin/env bash
# Regenerates the real rpm databases the rpm analyzer tests read. Not run by the tests or by CI: the
# generated files are committed. Needs Debian's `rpm` (rpmbuild, the sqlite backend and the bdb_ro
# reader), `db5.3-util` (db5.3_load, to write real Berkeley DB hash files), `sqlite3` and `gpg`.
#
# Backends:
#   sqlite  written by Debian's rpm 4.18 (`_db_backend sqlite`).
#   ndb     Debian's rpm is built without ndb. Set RPM_NDB to an rpm binary that has it (see
#           build-rpm-ndb.sh, which builds Debian's own rpm 4.18 source with --enable-ndb); without it
#           the ndb fixture is left as it is and a message says so.
#   bdb     rpm 4.18 can only read Berkeley DB (bdb_ro). The same header blobs rpm wrote into the sqlite
#           database are loaded into real Berkeley DB hash files with db5.3_load (little- and big-endian),
#           keyed by the header instance number as rpm's Packages database is; Debian's rpm (bdb_ro)
#           then reads them back to produce the expected listing, so the truth comes from rpm itself.
#
# Usage: make-fixtures.sh [OUTDIR]   (default: this folder)
# Outputs: rpmdb.sqlite, Packages.db (ndb), Packages.le.bdb, Packages.be.bdb and for
# each an `*.expected.tsv` written by `rpm -qa --qf` on that very file.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE}"   # where the databases and listings go (the tests regenerate into a temp dir)
mkdir -p "$OUT"
RPM="${RPM:-rpm}"
RPM_NDB="${RPM_NDB:-}"
export SOURCE_DATE_EPOCH=1700000000

work="$(mktemp -d)"
trap 'GNUPGHOME="$work/gnupg" gpgconf --kill gpg-agent >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# NAME EPOCH VERSION RELEASE ARCH LICENSE SOURCERPM VENDOR MODULARITYLABEL FILES(comma-joined)
QF='%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{LICENSE}\t%{SOURCERPM}\t%{VENDOR}\t%{MODULARITYLABEL}\t[%{FILENAMES},]\n'

echo "== building fixture packages"
for spec in tiny-tool tiny-lib; do
  rpmbuild --quiet -bb \
    --define "_topdir $work/build" \
    --define '_buildhost fixture.invalid' \
    --define 'use_source_date_epoch_as_buildtime 1' \
    --define 'clamp_mtime_to_source_date_epoch 1' \
    "$HERE/$spec.spec" >/dev/null
done
pkgs=("$work"/build/RPMS/*/*.rpm)

echo "== making a throwaway OpenPGP key (imported as a gpg-pubkey pseudo-package)"
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'Portcullis Fixture <fixture@example.invalid>' rsa2048 sign never 2>/dev/null
gpg --batch --quiet --armor --export fixture@example.invalid > "$work/key.asc"

# install <rpm-binary> <backend> <dbpath>
install_db() {
  local bin="$1" backend="$2" db="$3"
  mkdir -p "$db"
  "$bin" --dbpath "$db" --define "_db_backend $backend" --initdb
  "$bin" --dbpath "$db" --define "_db_backend $backend" -i --justdb --nodeps --noscripts --notriggers \
    --ignorearch --nosignature "${pkgs[@]}"
  "$bin" --dbpath "$db" --define "_db_backend $backend" --import "$work/key.asc"
}

# expected <rpm-binary> <backend> <dbpath> <out>
expected() {
  "$1" --dbpath "$3" --define "_db_backend $2" -qa --qf "$QF" 2>/dev/null | LC_ALL=C sort > "$4"
}

echo "== sqlite"
install_db "$RPM" sqlite "$work/sqlite"
sqlite3 "$work/sqlite/rpmdb.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; PRAGMA page_size=1024; VACUUM;' >/dev/null
cp "$work/sqlite/rpmdb.sqlite" "$OUT/rpmdb.sqlite"
expected "$RPM" sqlite "$work/sqlite" "$OUT/rpmdb.sqlite.expected.tsv"

echo "== ndb"
if [ -n "$RPM_NDB" ] && "$RPM_NDB" --showrc 2>/dev/null | grep -q 'available backends.*ndb'; then
  install_db "$RPM_NDB" ndb "$work/ndb"
  cp "$work/ndb/Packages.db" "$OUT/Packages.db"
  expected "$RPM_NDB" ndb "$work/ndb" "$OUT/Packages.db.expected.tsv"
else
  echo "SKIPPED ndb: set RPM_NDB to an rpm built with --enable-ndb (see build-rpm-ndb.sh); no ndb database written to $OUT"
fi

echo "== bdb (db5.3_load from the sqlite header blobs; read back with rpm's bdb_ro)"
if ! command -v db5.3_load >/dev/null 2>&1; then
  echo "SKIPPED bdb: db5.3_load not found (Debian package db5.3-util)"
  exit 0
fi
# key: the header instance as a 4-byte integer in the file's byte order, as rpm writes it.
hexkey() { # <n> <le|be>
  local h; h="$(printf '%08x' "$1")"
  if [ "$2" = le ]; then echo "${h:6:2}${h:4:2}${h:2:2}${h:0:2}"; else echo "$h"; fi
}
for order in le be; do
  lorder=1234; [ "$order" = be ] && lorder=4321
  dump="$work/dump-$order.txt"
  {
    printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n'
    max=0
    while IFS='|' read -r hnum blob; do
      printf ' %s\n %s\n' "$(hexkey "$hnum" "$order")" "$(echo "$blob" | tr 'A-F' 'a-f')"
      [ "$hnum" -gt "$max" ] && max="$hnum"
    done < <(sqlite3 "$OUT/rpmdb.sqlite" 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum')
    # record 0 holds the next free instance number, as in rpm's own Packages databases
    printf ' %s\n %s\n' "$(hexkey 0 "$order")" "$(hexkey $((max + 1)) "$order")"
    printf 'DATA=END\n'
  } > "$dump"
  mkdir -p "$work/bdb-$order"
  db5.3_load -c "db_lorder=$lorder" -f "$dump" "$work/bdb-$order/Packages"
  cp "$work/bdb-$order/Packages" "$OUT/Packages.$order.bdb"
  expected "$RPM" bdb_ro "$work/bdb-$order" "$OUT/Packages.$order.bdb.expected.tsv"
done

ls -l "$OUT"/rpmdb.sqlite "$OUT"/Packages.*
