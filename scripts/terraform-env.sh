# Sourced by scripts that run Terraform (directly or through cdktf).
#
# Without network access to the Terraform registry, points Terraform at a local
# provider mirror: TF_PROVIDER_MIRROR if set, else the folder found earlier (cached
# in .cache/terraform/cli.tfrc), else the first folder on this machine that holds
# registry.terraform.io/hashicorp/aws/<version>. Exports TF_CLI_CONFIG_FILE;
# never touches ~/.terraformrc.
#
# An unpacked mirror needs no plugin cache: terraform init links each stack's
# provider straight to the mirror. A shared cache would only add a race: an init
# without a lock file removes and re-creates the cache entry, and a plan or apply
# running meanwhile in another stack fails with "there is no package for ...
# cached in .terraform/providers". Only a packed mirror (zip files, unzipped on
# every init otherwise) gets TF_PLUGIN_CACHE_DIR.
#
# With TF_USE_REGISTRY=1, or when no mirror exists (real users), Terraform's own
# configuration is left alone, except that a TF_CLI_CONFIG_FILE naming a missing
# file is unset (Terraform would warn on every call).
#
# tf_env_setup [--require-mirror]: with the flag, no mirror is an error. Sets
# TF_ENV_MIRROR=1 (not exported) when it set up the mirror.

tf_env_setup() {
  export CHECKPOINT_DISABLE=1
  local require=0
  [ "${1:-}" = "--require-mirror" ] && require=1
  if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then unset TF_CLI_CONFIG_FILE; fi
  if [ "${TF_USE_REGISTRY:-}" = "1" ]; then return 0; fi

  local dir="${TF_WORK_DIR:-$(pwd)/.cache/terraform}"
  local config="$dir/cli.tfrc"
  local mirror="${TF_PROVIDER_MIRROR:-}"
  if [ -z "$mirror" ] && [ -f "$config" ]; then
    mirror=$(sed -n 's/^ *path *= *"\(.*\)"$/\1/p' "$config" | head -n 1)
    [ -d "$mirror/registry.terraform.io" ] || mirror=""
  fi
  if [ -z "$mirror" ]; then
    local hit
    hit=$(find / -maxdepth 7 -type d -path '*/registry.terraform.io/hashicorp/aws/*' \
      -not -path '/proc/*' -not -path '*/.terraform/*' -not -path '*/node_modules/*' -not -path '*/plugin-cache/*' \
      2>/dev/null | head -n 1 || true)
    [ -n "$hit" ] && mirror="${hit%/registry.terraform.io/*}"
  fi
  if [ -z "$mirror" ] || [ ! -d "$mirror/registry.terraform.io" ]; then
    if [ $require = 1 ]; then
      echo "terraform-env: no provider mirror found; set TF_PROVIDER_MIRROR to the folder holding registry.terraform.io/, or TF_USE_REGISTRY=1 to use the registry" >&2
      return 1
    fi
    return 0
  fi
  mkdir -p "$dir"
  # Written beside and renamed into place: a Terraform starting meanwhile (another e2e
  # lane, another tool) reads the old file or the new one, never a half-written one.
  local tmp
  tmp=$(mktemp "$config.XXXXXX")
  cat > "$tmp" <<TFRC
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
  if cmp -s "$tmp" "$config"; then rm -f "$tmp"; else mv -f "$tmp" "$config"; fi
  export TF_CLI_CONFIG_FILE="$config"
  if [ -n "$(find "$mirror/registry.terraform.io" -name '*.zip' -print -quit 2>/dev/null)" ]; then
    mkdir -p "$dir/plugin-cache"
    export TF_PLUGIN_CACHE_DIR="$dir/plugin-cache"
  fi
  TF_ENV_MIRROR=1
}
