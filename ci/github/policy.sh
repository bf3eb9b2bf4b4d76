#!/usr/bin/env bash
# GitHub Action step: check out the pipeline's policy from the security team's repository, pinned by a
# full commit id, into the runner's temp dir (never the workspace the application's code controls).
# Env: PORTCULLIS_POLICY_REPOSITORY (owner/name, URL or file:// URL), PORTCULLIS_POLICY_COMMIT (40 hex),
# PORTCULLIS_POLICY_PATH, PORTCULLIS_EXCEPTIONS_PATH (paths inside it), PORTCULLIS_POLICY_TOKEN (optional).
# Outputs: policy, exceptions (empty when the repository has none), commit.
set -euo pipefail
fail() { echo "::error::portcullis: $*" >&2; exit 2; }
repo=${PORTCULLIS_POLICY_REPOSITORY:-}
commit=${PORTCULLIS_POLICY_COMMIT:-}
[ -n "$repo" ] || fail "policy-repository is empty: the policy comes from the security team's repository"
[[ $commit =~ ^[0-9a-f]{40}$ ]] || fail "policy-commit must be a full 40-hex commit id (a branch or tag can move): '$commit'"
for p in "${PORTCULLIS_POLICY_PATH:-policies}" "${PORTCULLIS_EXCEPTIONS_PATH:-exceptions}"; do
  [[ $p != /* && /$p/ != */../* ]] || fail "'$p' must be a relative path inside the policy repository"
done
case $repo in
  *://*) url=$repo ;;
  *) url="${GITHUB_SERVER_URL:-https://github.com}/$repo.git" ;;
esac
dest="${RUNNER_TEMP:?RUNNER_TEMP is not set}/portcullis-policy"
rm -rf "$dest"
git init -q "$dest"
auth=()
if [ -n "${PORTCULLIS_POLICY_TOKEN:-}" ] && [[ $url == https://* ]]; then
  basic=$(printf 'x-access-token:%s' "$PORTCULLIS_POLICY_TOKEN" | base64 | tr -d '\n')
  echo "::add-mask::$basic"
  auth=(-c "http.extraHeader=Authorization: basic $basic")
fi
git "${auth[@]}" -C "$dest" fetch -q --depth 1 "$url" "$commit" || fail "could not fetch commit $commit of $repo"
git -C "$dest" -c advice.detachedHead=false checkout -q FETCH_HEAD
head=$(git -C "$dest" rev-parse HEAD)
[ "$head" = "$commit" ] || fail "the policy checkout is at $head, not the pinned $commit"
policy="$dest/${PORTCULLIS_POLICY_PATH:-policies}"
exceptions="$dest/${PORTCULLIS_EXCEPTIONS_PATH:-exceptions}"
[ -e "$policy" ] || fail "no '${PORTCULLIS_POLICY_PATH:-policies}' in $repo at $commit"
[ -e "$exceptions" ] || exceptions=
echo "portcullis: policy from $repo at $commit"
{
  echo "policy=$policy"
  echo "exceptions=$exceptions"
  echo "commit=$commit"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
