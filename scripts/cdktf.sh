#!/usr/bin/env bash
# Runs the cdktf CLI (synth, diff, deploy, destroy, ...) with Terraform set up:
# the local provider mirror when this machine has one, the registry otherwise.
# With the mirror, diff, deploy and destroy get --skip-provider-lock: cdktf would
# otherwise run `terraform providers lock`, which asks the registry for every
# platform's checksums and fails offline (terraform init still records the
# mirror's checksum in each stack's lock file).
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
exec node_modules/.bin/cdktf "${args[@]}"
