#!/usr/bin/env bash
# Runs the cdktf CLI (synth, diff, deploy, destroy, ...) with Terraform set up:
# the local provider mirror when this machine has one, the registry otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/terraform-env.sh
tf_env_setup
exec node_modules/.bin/cdktf "$@"
