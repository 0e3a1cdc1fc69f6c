#!/usr/bin/env bash
# The checks CI runs on the user's own map (config/accounts.yaml, or $ACCOUNT_MAP),
# whatever it holds: synthesize it, terraform validate every stack, the access
# gate, checkov. Each fails with its located message. Also run by
# scripts/ci/fork-check.sh inside copies of the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
map="${ACCOUNT_MAP:-config/accounts.yaml}"
echo "check-map: $map"
rm -rf cdktf.out
npm run --silent synth
npm run --silent validate
npm run --silent access -- --map "$map"
bash scripts/checkov.sh
