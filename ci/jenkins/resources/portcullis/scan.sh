#!/bin/sh
# Portcullis gate for Jenkins: run by vars/portcullisScan.groovy (a library resource, so the application
# repository cannot change it). Checks out the policy from the security team's repository at the pinned
# commit (outside the workspace), updates the advisory DB, scans, and writes the JUnit, JSON and HTML
# reports, the decision record and the warnings count into $PORTCULLIS_OUT.
# Exit: the scan's code (0 pass, 1 policy failed, 2 could not decide); 2 when the policy cannot be had.
set -eu
fail() { echo "portcullis: $*" >&2; exit 2; }
out=${PORTCULLIS_OUT:?PORTCULLIS_OUT is not set}
dir=${PORTCULLIS_POLICY_DIR:?PORTCULLIS_POLICY_DIR is not set}
commit=${PORTCULLIS_POLICY_COMMIT:-}
mkdir -p "$out"
rm -f "$out/portcullis-junit.xml" "$out/portcullis-report.json" "$out/portcullis-report.html" "$out/portcullis-decision.json" "$out/warnings.txt"
command -v portcullis >/dev/null 2>&1 || npm install --global --no-audit --no-fund "${PORTCULLIS_PACKAGE:?}" || fail "could not install ${PORTCULLIS_PACKAGE}"
case $commit in *[!0-9a-f]* | '') fail "the policy commit must be a full 40-hex commit id: '$commit'" ;; esac
[ "${#commit}" -eq 40 ] || fail "the policy commit must be a full 40-hex commit id: '$commit'"
rm -rf "$dir"
git init -q "$dir"
git -C "$dir" fetch -q --depth 1 "${PORTCULLIS_POLICY_REPOSITORY:?}" "$commit" || fail "could not fetch the pinned policy commit $commit"
git -C "$dir" -c advice.detachedHead=false checkout -q FETCH_HEAD
[ "$(git -C "$dir" rev-parse HEAD)" = "$commit" ] || fail "the policy checkout is not at the pinned commit $commit"
echo "portcullis: policy at $commit"
portcullis db update ${PORTCULLIS_DB_SOURCE:+--source "$PORTCULLIS_DB_SOURCE"} || fail "no advisory DB"
set -- --policy "$dir/policies"
[ -e "$dir/exceptions" ] && set -- "$@" --exceptions "$dir/exceptions"
code=0
portcullis scan "${PORTCULLIS_IMAGE:?}" --pipeline "${PORTCULLIS_PIPELINE:?}" "$@" --format table \
  --output "junit=$out/portcullis-junit.xml" --output "json=$out/portcullis-report.json" \
  --output "html=$out/portcullis-report.html" --decision "$out/portcullis-decision.json" || code=$?
if [ "$code" -le 1 ]; then
  node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); console.log(r.decision?.warnings?.length ?? 0)' \
    "$out/portcullis-report.json" >"$out/warnings.txt"
fi
exit "$code"
