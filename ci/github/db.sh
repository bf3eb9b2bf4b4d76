#!/usr/bin/env bash
# GitHub Action step: bring the advisory DB up to date (starting from the cached copy, if any) and print
# its digest, the cache key. Env: PORTCULLIS_DB (file), PORTCULLIS_DB_SOURCE (optional db update source).
# Outputs: db, digest (sha256 of the DB file, computed here).
set -euo pipefail
db=${PORTCULLIS_DB:?PORTCULLIS_DB is not set}
mkdir -p "$(dirname "$db")"
args=(db update --db "$db")
[ -n "${PORTCULLIS_DB_SOURCE:-}" ] && args+=(--source "$PORTCULLIS_DB_SOURCE")
portcullis "${args[@]}"
digest="sha256:$(sha256sum "$db" | cut -d' ' -f1)"
echo "portcullis: advisory DB $digest"
{
  echo "db=$db"
  echo "digest=$digest"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
