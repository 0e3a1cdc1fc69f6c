#!/usr/bin/env bash
# npm run drift [-- [stack...] [--out DIR] [--parallel N] [--json FILE]]: see tools/drift.ts
# (--help for the usage).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/terraform-env.sh"
TF_WORK_DIR="$root/.cache/terraform" tf_env_setup
node "$root/scripts/build.mjs"
exec node "$root/dist/drift.js" "$@"
