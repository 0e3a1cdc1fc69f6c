#!/usr/bin/env bash
# npm run e2e: the deploy loop against a local AWS emulator (moto), with the real
# Terraform CLI and AWS provider. Installs moto and boto3 into .cache/venv-e2e on
# first use; see scripts/e2e/e2e.py for the phases, scripts/e2e/lanes.py for the
# lanes. Sends traffic only to 127.0.0.1.
set -euo pipefail
usage="npm run e2e"
case "${1:-}" in
  "") ;;
  -h | --help)
    echo "usage: $usage"
    echo
    echo "Deploys the example map against a local AWS emulator (moto on 127.0.0.1, installed into"
    echo ".cache/venv-e2e on first use), re-plans, onboards an account, acts as users, destroys;"
    echo "then the independent phases (scripts/e2e/phase_*.py). Takes no arguments; needs no AWS"
    echo "account (it sets fake keys)."
    echo
    echo "  E2E_LANES=<n>   run in n lanes, each with its own emulator and work folder (default 2;"
    echo "                  1 runs everything in one process)"
    echo "  E2E_ONLY=<name>[,<name>]  only those phases (main: deploy to destroy)"
    echo "  E2E_WORK=<dir>  the run's folder (default .cache/e2e/run)"
    exit 0 ;;
  -*) echo "e2e: unknown option $1; usage: $usage" >&2; exit 2 ;;
  *) echo "e2e: takes no arguments, not $1; usage: $usage" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv=.cache/venv-e2e
requirements=("moto[server]==5.2.5" "boto3==1.44.5")
if ! "$venv/bin/python" -c 'import moto, boto3, sys; sys.exit(0 if (moto.__version__, boto3.__version__) == ("5.2.5", "1.44.5") else 1)' 2>/dev/null; then
  echo "e2e: installing ${requirements[*]} into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
fi
. scripts/terraform-env.sh
TF_WORK_DIR="$root/.cache/terraform" tf_env_setup
node scripts/build.mjs
exec "$venv/bin/python" scripts/e2e/lanes.py
