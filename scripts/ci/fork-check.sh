#!/usr/bin/env bash
# Proves that the tests are the program's and the map is the user's: copies the
# repository, gives the copy another config/accounts.yaml, and runs the map's
# checks (scripts/ci/check-map.sh) there, and in the generated copy the suite too.
#
#   scripts/ci/fork-check.sh onboarding   the example map with the README's onboarding
#                                         walk-through applied (the qa block, as printed)
#   scripts/ci/fork-check.sh generated    a generated map of 24 accounts: roles, groups,
#                                         buckets, externals, an organization, an S3
#                                         state backend, AdministratorAccess on roles
#   scripts/ci/fork-check.sh invalid      a map with a bad reference: the map's checks
#                                         must fail with the located problem
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
case "${1:-}" in
  onboarding | generated | invalid) kind=$1 ;;
  -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "fork-check: expected onboarding, generated or invalid, got '${1:-}' (see --help)" >&2; exit 2 ;;
esac
copy="$root/.cache/fork-check/$kind"
rm -rf "$copy"
mkdir -p "$copy/.cache"
# The tracked and new files as they are in this tree; node_modules hard-linked, the
# checkov environment shared: the copy installs nothing.
(cd "$root" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$copy"
cp -al "$root/node_modules" "$copy/node_modules"
[ -d "$root/.cache/venv-checkov" ] && ln -s "$root/.cache/venv-checkov" "$copy/.cache/venv-checkov"
cd "$copy"
map=config/accounts.yaml
case "$kind" in
  onboarding)
    # The walk-through's block, taken from the README itself so that the two cannot differ.
    block=$(awk '/^## Onboarding an account/{on=1} on&&/^```yaml/{grab=1;next} grab&&/^```/{exit} grab' README.md)
    [ -n "$block" ] || { echo "fork-check: no yaml block under '## Onboarding an account' in README.md" >&2; exit 1; }
    { cat test/fixtures/example/accounts.yaml; printf '%s\n' "$block"; } >"$map"
    ;;
  generated) node scripts/bench/run.mjs generate --accounts 24 --seed 5 --out "$map" >/dev/null ;;
  invalid) sed 's#assumableBy: \[dev/developers\]#assumableBy: [dev/developpers]#' test/fixtures/example/accounts.yaml >"$map" ;;
esac
echo "fork-check $kind: the map's checks$([ "$kind" = generated ] && echo " and the suite") with $copy/$map"
# The suite does not read the map: it must pass with any valid one. It is run in
# the generated copy, whose map shares nothing with the example; the onboarding
# copy proves the README's block makes a map that passes the map's checks, and
# running the whole suite there again (some 5 minutes on 2 cores) would prove
# nothing more. With an invalid map the map's checks are what must fail.
[ "$kind" != generated ] || npm test -- --ci --silent
if [ "$kind" = invalid ]; then
  if out=$(bash scripts/ci/check-map.sh 2>&1); then echo "fork-check: an invalid map passed the map's checks" >&2; exit 1; fi
  echo "$out" | tail -n 3
  echo "$out" | grep -q "^config/accounts.yaml:[0-9]*:[0-9]* .*unknown group \"developpers\"" || { echo "fork-check: the located error is missing" >&2; exit 1; }
  echo "fork-check invalid: refused with the located problem"
else
  bash scripts/ci/check-map.sh
fi
echo "fork-check $kind: passed"
