#!/usr/bin/env bash
# GitHub Action step: the gate. Exits with the scan's code (0 pass, 1 policy failed, 2 could not decide)
# after the reports were uploaded. Env: PORTCULLIS_VERDICT, PORTCULLIS_EXIT_CODE.
set -euo pipefail
verdict=${PORTCULLIS_VERDICT:-error}
code=${PORTCULLIS_EXIT_CODE:-2}
case $verdict in
  pass) exit 0 ;;
  fail) echo "::error::portcullis: the image failed the pipeline's policy (see the job summary)" >&2; exit 1 ;;
  *) echo "::error::portcullis: could not decide (exit $code; see the step log)" >&2; exit 2 ;;
esac
