# Sourced by scripts that run Terraform. Without network access to the Terraform
# registry, points Terraform at a local provider mirror: TF_PROVIDER_MIRROR if set,
# else the first folder found that holds registry.terraform.io/hashicorp/aws/<version>.
# With TF_USE_REGISTRY=1, leaves Terraform's own configuration alone (real users).
# Exports TF_CLI_CONFIG_FILE and TF_PLUGIN_CACHE_DIR; never touches ~/.terraformrc.

tf_env_setup() {
  export CHECKPOINT_DISABLE=1
  if [ "${TF_USE_REGISTRY:-}" = "1" ]; then return 0; fi
  local mirror="${TF_PROVIDER_MIRROR:-}"
  if [ -z "$mirror" ]; then
    local hit
    hit=$(find / -maxdepth 7 -type d -path '*/registry.terraform.io/hashicorp/aws/*' -not -path '/proc/*' -not -path '*/.terraform/*' -not -path '*/node_modules/*' -not -path '*/plugin-cache/*' 2>/dev/null | head -n 1 || true)
    [ -n "$hit" ] && mirror="${hit%/registry.terraform.io/*}"
  fi
  if [ -z "$mirror" ] || [ ! -d "$mirror/registry.terraform.io" ]; then
    echo "terraform-env: no provider mirror found; set TF_PROVIDER_MIRROR to the folder holding registry.terraform.io/, or TF_USE_REGISTRY=1" >&2
    return 1
  fi
  local dir="${TF_WORK_DIR:-$PWD/.cache/terraform}"
  mkdir -p "$dir/plugin-cache"
  cat > "$dir/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
TFRC
  export TF_CLI_CONFIG_FILE="$dir/cli.tfrc"
  export TF_PLUGIN_CACHE_DIR="$dir/plugin-cache"
}
