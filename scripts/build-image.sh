#!/usr/bin/env bash
# Builds the Portcullis image (Dockerfile) with buildah and gates it with Portcullis itself under the
# production example policy. No registry is reachable here: the base is the Debian 12 slim fixture
# (../shared/fixtures/images/debian-12-slim.oci.tar), the node binary is the host's.
# Usage: scripts/build-image.sh [OUT_DIR]   (default .cache/image; writes portcullis-image.tar, the
# reports and the decision record there). Exit: 0 built and passed, 1 the gate failed, 2 could not build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=${PORTCULLIS_SHARED_DIR:-$root/../shared}
out=$(mkdir -p "${1:-.cache/image}" && cd "${1:-.cache/image}" && pwd)
base_archive="$shared/fixtures/images/debian-12-slim.oci.tar"
[ -f "$base_archive" ] || { echo "build-image: no base image at $base_archive" >&2; exit 2; }
version=$(node -p 'require("./package.json").version')
name="registry.example.com/shop/portcullis:$version"
work=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-image-XXXXXX")
cleanup() {
  buildah "${storage[@]}" rm --all >/dev/null 2>&1 || true
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
storage=(--root "$work/storage" --runroot "$work/run" --storage-driver vfs)
trap cleanup EXIT
t0=$(date +%s)

# 1. the package exactly as npm ships it, packed from a clean copy of the tracked files (the checkout's
#    own dist/ is never created), and its production dependencies (already built on this host)
mkdir -p "$work/src" "$work/ctx"
git ls-files -z | xargs -0 cp --parents -t "$work/src"
ln -s "$root/node_modules" "$work/src/node_modules"
(cd "$work/src" && npm pack --silent --pack-destination "$work" >/dev/null)
tar -xzf "$work/portcullis-$version.tgz" -C "$work/ctx"
cp -a "$root/node_modules" "$work/ctx/node_modules"
cp package.json package-lock.json "$work/ctx/"
(cd "$work/ctx" && npm prune --omit=dev --offline --no-audit --no-fund --ignore-scripts --loglevel=error)
node scripts/prune-runtime.mjs "$work/ctx" >"$out/pruned.txt"
rm "$work/ctx/package.json" "$work/ctx/package-lock.json" "$work/ctx/node_modules/.package-lock.json"
cp "$(command -v node)" "$work/ctx/node"
cp Dockerfile "$work/ctx/Dockerfile"
t1=$(date +%s)

# 2. the base, then the image (chroot isolation, vfs storage: no daemon, no overlay mounts needed)
skopeo copy --quiet "oci-archive:$base_archive" "containers-storage:[vfs@$work/storage+$work/run]localhost/portcullis-base:12-slim"
buildah "${storage[@]}" bud --quiet --isolation chroot --layers=false --build-arg "REVISION=$(git rev-parse HEAD)" -t "$name" "$work/ctx" >/dev/null
rm -f "$out/portcullis-image.tar"
skopeo copy --quiet "containers-storage:[vfs@$work/storage+$work/run]$name" "docker-archive:$out/portcullis-image.tar:$name"
t2=$(date +%s)

# 3. the gate: the production example policy, with the exceptions in docs/ci.md (what this machine cannot
#    provide: fresh advisory data, a malware signature database, license data for Debian packages)
db=${PORTCULLIS_DB:-$root/.cache/portcullis.db}
if [ ! -f "$db" ]; then
  node bin/portcullis.js db build --quiet --output "$db" \
    --source "$shared/data/osv" --source "$shared/data/ghsa" --source "$shared/data/malicious" \
    --source "$shared/data/alpine-secdb" --source "$shared/data/debian/bookworm-sample.json" \
    --source "$shared/data/kev/known_exploited_vulnerabilities.json"
fi
created=$(date -u +%F)
expires=$(date -u -d '+30 days' +%F)
exc() {
  printf '  - id: %s\n    finding: "%s"\n    scope: {repository: registry.example.com/shop/portcullis}\n    pipelines: ["release-*"]\n    created: %s\n    expires: %s\n    reason: "%s"\n    owner: security@example.com\n' "$1" "$2" "$created" "$expires" "$3"
}
{
  printf 'apiVersion: portcullis/v1\nkind: Exceptions\nexceptions:\n'
  exc IMG-1 db-stale "the advisory data in ../shared is months old; a real pipeline runs db update first"
  exc IMG-2 not-evaluated:malware "no malware signature database can be fetched here; a real pipeline passes --malware-signatures"
  exc IMG-3 not-evaluated:licenses "the Debian base ships no /usr/share/doc copyright files, so deb licenses cannot be read"
} >"$out/exceptions.yaml"
code=0
node bin/portcullis.js scan "docker-archive:$out/portcullis-image.tar" --db "$db" --pipeline "release-$version" \
  --policy examples/policies --exceptions "$out/exceptions.yaml" --base-catalog examples/base-catalog.yaml \
  --secret-max-file-size 134217728 \
  --format table --output "$out/portcullis-image.txt" --output "json=$out/portcullis-image.json" \
  --decision "$out/decision.json" || code=$?
t3=$(date +%s)
echo "build-image: $name: pack+stage $((t1 - t0))s, buildah $((t2 - t1))s, scan $((t3 - t2))s; verdict exit $code (report $out/portcullis-image.txt)"
exit "$code"
