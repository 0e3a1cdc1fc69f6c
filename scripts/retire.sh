#!/usr/bin/env bash
# npm run retire -- <account> [--out DIR] [--from-state --role-arn ARN --region R] [--yes]: see tools/retire.ts
# (--help for the usage).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/terraform-env.sh"
TF_WORK_DIR="$root/.cache/terraform" tf_env_setup
node "$root/scripts/build.mjs"
exec node "$root/dist/retire.js" "$@"
