#!/usr/bin/env bash
# GitHub Action step: install Portcullis with npm (PORTCULLIS_PACKAGE: an npm spec such as
# portcullis@0.1.0, or the path of a packed tarball). npm's own prefix, or NPM_CONFIG_PREFIX when set.
set -euo pipefail
pkg=${PORTCULLIS_PACKAGE:?PORTCULLIS_PACKAGE (the package input) is empty}
npm install --global --no-audit --no-fund --loglevel=error "$pkg"
bin="$(npm prefix --global)/bin"
[ -x "$bin/portcullis" ] || { echo "::error::portcullis was not installed into $bin" >&2; exit 2; }
[ -n "${GITHUB_PATH:-}" ] && echo "$bin" >>"$GITHUB_PATH"
"$bin/portcullis" --version
