#!/usr/bin/env bash
# npm run validate [-- OUTDIR]: terraform init + validate on every synthesized
# stack in cdktf.out (or OUTDIR); --help prints the usage.
# Uses a local provider mirror when there is one (see terraform-env.sh). Backends
# are not initialized: validation checks the configuration, not the state.
set -euo pipefail
usage="npm run validate [-- OUTDIR]"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      cat <<EOF
usage: $usage

terraform init (without backends) and terraform validate on every synthesized
stack in OUTDIR/stacks (default: cdktf.out), against the local provider mirror
(TF_PROVIDER_MIRROR, or one found on this machine; see scripts/terraform-env.sh).
One line per stack; exit status 1 when any stack fails. Needs no AWS credentials.
EOF
      exit 0 ;;
    -*) echo "validate: unknown option $1; usage: $usage" >&2; exit 2 ;;
    *) [ -z "$out" ] || { echo "validate: one output folder at most (got $out and $1); usage: $usage" >&2; exit 2; }; out="$1" ;;
  esac
  shift
done
cd "$(dirname "$0")/.."
out="${out:-cdktf.out}"
. scripts/terraform-env.sh
tf_env_setup --require-mirror
shopt -s nullglob
stacks=("$out"/stacks/*/)
if [ ${#stacks[@]} -eq 0 ]; then echo "validate: no stacks in $out/stacks; run the synth first" >&2; exit 1; fi
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
