#!/usr/bin/env bash
# terraform init + validate on every synthesized stack in cdktf.out (or $1).
# Uses a local provider mirror when there is one (see terraform-env.sh). Backends
# are not initialized: validation checks the configuration, not the state.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/terraform-env.sh
tf_env_setup --require-mirror
out="${1:-cdktf.out}"
shopt -s nullglob
stacks=("$out"/stacks/*/)
if [ ${#stacks[@]} -eq 0 ]; then echo "tf-validate: no stacks in $out/stacks; run the synth first" >&2; exit 1; fi
failed=0
for dir in "${stacks[@]}"; do
  name=$(basename "$dir")
  if ! log=$(cd "$dir" && terraform init -backend=false -input=false -no-color 2>&1 && terraform validate -no-color 2>&1); then
    echo "FAIL $name"; echo "$log" | sed 's/^/    /'; failed=1
  else
    echo "ok   $name: $(echo "$log" | tail -n 1)"
  fi
done
exit $failed
