#!/usr/bin/env bash
# Scans every synthesized stack (cdktf.out, or $1) with checkov, installed into a
# virtual environment under .cache/ on first use. Skipped checks and their reasons
# are in .checkov.yaml. Exits non-zero on any failed check.
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
"$venv/bin/checkov" --config-file .checkov.yaml -d "$out/stacks"
