#!/usr/bin/env bash
# Scans every synthesized stack (cdktf.out, or $1) with checkov, installed into a
# virtual environment under .cache/ on first use. Skipped checks and their reasons
# are in .checkov.yaml. A failed check about what the map declares (an AWS managed
# policy it attaches, a customer managed policy's statements) is reported as the
# map's choice; any other failed check is the program's and fails the scan
# (tools/checkov.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOV_VERSION=3.3.30
out="${1:-cdktf.out}"
venv=.cache/venv-checkov
if ! "$venv/bin/checkov" --version 2>/dev/null | grep -qx "$CHECKOV_VERSION"; then
  echo "checkov: installing $CHECKOV_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi
if [ ! -d "$out/stacks" ]; then echo "checkov: no stacks in $out/stacks; run the synth first" >&2; exit 1; fi
node scripts/build.mjs
report=$(mktemp)
trap 'rm -f "$report"' EXIT
# checkov exits 1 on any failed check; which failures count is decided below.
"$venv/bin/checkov" --config-file .checkov.yaml -d "$out/stacks" -o json >"$report" || [ -s "$report" ]
node dist/checkov.js "$report" "$out"
