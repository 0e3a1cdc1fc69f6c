#!/usr/bin/env bash
# CI: every Mermaid graph the access report writes must parse and render in
# Mermaid itself. Builds the report for the example map, a map of awkward names,
# the map of every caller form (GitHub jobs, SSO permission sets, services)
# and a generated 120-account map, each into its own folder under
# .cache/mermaid/, and checks their report.md plus the checked-in
# docs/access/report.md with scripts/mermaid/check.mjs (headless Chromium, no
# network). Any diagram that fails fails the script.
#
#   bash scripts/mermaid/check-reports.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  echo "check-reports: installing Debian's chromium"
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

out=.cache/mermaid
rm -rf "$out"
mkdir -p "$out"
node scripts/build.mjs
node scripts/bench/run.mjs generate --accounts 120 --seed 42 --out "$out/accounts-120.yaml"

reports=()
for map in test/fixtures/example/accounts.yaml test/fixtures/good/awkward-names.yaml test/fixtures/good/callers.yaml "$out/accounts-120.yaml"; do
  name=$(basename "$map" .yaml)
  [ "$name" = accounts ] && name=$(basename "$(dirname "$map")")
  dir=$out/$name
  ACCOUNT_MAP=$map CDKTF_OUTDIR=$dir/cdktf.out node dist/main.js >/dev/null
  # The gate's verdict is not this check's business: only the diagrams are.
  status=0
  node dist/access.js --out "$dir/cdktf.out" --map "$map" --write-to "$dir" >"$dir/access.log" 2>&1 || status=$?
  if [ ! -f "$dir/report.md" ]; then
    cat "$dir/access.log" >&2
    echo "check-reports: no report for $map (access exited $status)" >&2
    exit 1
  fi
  echo "check-reports: $map → $dir/report.md (access exited $status)"
  reports+=("$dir/report.md")
done

node scripts/mermaid/check.mjs "${reports[@]}" docs/access/report.md
