#!/usr/bin/env bash
# GitHub Action step: scan the image under the pipeline's policy; write SARIF, JSON, Markdown, JUnit and
# HTML reports and the decision record; append the Markdown to $GITHUB_STEP_SUMMARY; set the outputs.
# The exit code is kept for the gate step (after the SARIF upload), so this step itself succeeds unless
# it could not run at all.
# Env: PORTCULLIS_IMAGE, PORTCULLIS_PIPELINE, PORTCULLIS_POLICY, PORTCULLIS_EXCEPTIONS (may be empty),
# PORTCULLIS_DB, PORTCULLIS_OUTPUT_DIR (default $RUNNER_TEMP/portcullis).
# Outputs: verdict (pass|fail|error), exit-code, warnings, violations, report, sarif, markdown, junit,
# html, decision, policy-digest.
set -euo pipefail
image=${PORTCULLIS_IMAGE:?the image input is empty}
pipeline=${PORTCULLIS_PIPELINE:?the pipeline input is empty}
policy=${PORTCULLIS_POLICY:?no policy checked out}
out=${PORTCULLIS_OUTPUT_DIR:-${RUNNER_TEMP:?RUNNER_TEMP is not set}/portcullis}
mkdir -p "$out"
rm -f "$out"/portcullis.{sarif,json,md,xml,html} "$out/decision.json"
args=(scan "$image" --pipeline "$pipeline" --policy "$policy" --db "${PORTCULLIS_DB:?PORTCULLIS_DB is not set}"
  --format sarif --output "$out/portcullis.sarif" --output "json=$out/portcullis.json"
  --output "markdown=$out/portcullis.md" --output "junit=$out/portcullis.xml" --output "html=$out/portcullis.html"
  --decision "$out/decision.json")
[ -n "${PORTCULLIS_EXCEPTIONS:-}" ] && args+=(--exceptions "$PORTCULLIS_EXCEPTIONS")
set +e
portcullis "${args[@]}" 2>"$out/stderr.log"
code=$?
set -e
cat "$out/stderr.log" >&2
# verdict, counts and policy digest from the decision record; an exit code that does not agree is an error
summary=$(node -e '
  const fs = require("node:fs");
  const [code, dir] = [Number(process.argv[1]), process.argv[2]];
  let d;
  try { d = JSON.parse(fs.readFileSync(dir + "/decision.json", "utf8")); } catch { d = undefined; }
  let r;
  try { r = JSON.parse(fs.readFileSync(dir + "/portcullis.json", "utf8")).decision; } catch { r = undefined; }
  const agrees = d && ((code === 0 && d.verdict === "pass") || (code === 1 && d.verdict === "fail"));
  const verdict = agrees ? d.verdict : "error";
  const n = (a) => (Array.isArray(a) ? a.length : 0);
  console.log([verdict, n(r?.warnings), n(r?.violations), (agrees && d.policies?.digest) || ""].join(" "));
' "$code" "$out")
read -r verdict warnings violations policy_digest <<<"$summary"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ "$verdict" != error ] && [ -s "$out/portcullis.md" ]; then
    cat "$out/portcullis.md" >>"$GITHUB_STEP_SUMMARY"
    printf '\nPipeline `%s`, policy digest `%s`.\n' "$pipeline" "$policy_digest" >>"$GITHUB_STEP_SUMMARY"
  else
    printf '## Portcullis: could not decide (exit %s)\n\n```\n%s\n```\n' "$code" "$(grep -m1 '^portcullis: ' "$out/stderr.log" || echo "no reason given")" >>"$GITHUB_STEP_SUMMARY"
  fi
fi
have() { [ -s "$1" ] && [ "$verdict" != error ] && echo "$1" || echo ""; }
{
  echo "verdict=$verdict"
  echo "exit-code=$code"
  echo "warnings=$warnings"
  echo "violations=$violations"
  echo "policy-digest=$policy_digest"
  echo "report=$(have "$out/portcullis.json")"
  echo "sarif=$(have "$out/portcullis.sarif")"
  echo "markdown=$(have "$out/portcullis.md")"
  echo "junit=$(have "$out/portcullis.xml")"
  echo "html=$(have "$out/portcullis.html")"
  echo "decision=$(have "$out/decision.json")"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
