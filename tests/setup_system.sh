#!/usr/bin/env bash
# System packages the test suite uses (the web chat's browser test: headless Debian chromium + a CJK font).
# Idempotent: installs only what `dpkg -s` says is missing, runs `apt-get update` only when installing,
# and never fails the run — without root or apt-get it says so and the browser test skips itself.
set -u
PACKAGES=(chromium fonts-wqy-microhei)

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup_system: no dpkg/apt-get here; not installing ${PACKAGES[*]} (browser tests may skip)"
  exit 0
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup_system: ${PACKAGES[*]} already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup_system: missing ${missing[*]} but not root; install them with: sudo apt-get install -y ${missing[*]}"
  exit 0
fi
echo "setup_system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  echo "setup_system: apt-get update (package lists needed)"
  if ! { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; }; then
    echo "setup_system: could not install ${missing[*]} (offline?); browser tests may skip"
    exit 0
  fi
fi
echo "setup_system: installed ${missing[*]}"
exit 0
