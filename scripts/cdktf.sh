#!/usr/bin/env bash
# Runs the cdktf CLI (synth, diff, deploy, destroy, ...) with Terraform set up:
# the local provider mirror when this machine has one, the registry otherwise.
# With the mirror, diff, deploy and destroy get --skip-provider-lock: cdktf would
# otherwise run `terraform providers lock`, which asks the registry for every
# platform's checksums and fails offline (terraform init still records the
# mirror's checksum in each stack's lock file).
#
# Before cdktf runs, tools/cdktf.ts (through scripts/cdktf.mjs) checks what cdktf
# does not: the command line (--help; an unknown option or a bad value is exit 2),
# the map (a bad one is reported once, exit 1) and, for diff, deploy and destroy,
# that AWS credentials exist (exit 1 with what to set). See `npm run synth -- --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/terraform-env.sh
TF_ENV_MIRROR=0
tf_env_setup
args=("$@")
if [ "$TF_ENV_MIRROR" = 1 ]; then
  case "${1:-}" in
    diff | deploy | destroy) args+=(--skip-provider-lock) ;;
  esac
fi
exec node scripts/cdktf.mjs "${args[@]}"
