#!/usr/bin/env bash
# Installs what the browser accessibility suite needs, idempotently: Debian's chromium (never a
# Playwright-downloaded browser), Debian's Java for the W3C Nu HTML Checker (never the JDK that
# vnu-jar's install script would download: hence --ignore-scripts) and the pinned npm packages.
set -euo pipefail
cd "$(dirname "$0")"
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium fonts-dejavu-core)
# DejaVu Sans draws the Uzbek, Tajik and Kyrgyz letters (glyphs.test.mjs) for system-ui.
dpkg-query -W fonts-dejavu-core >/dev/null 2>&1 || packages+=(fonts-dejavu-core)
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
if [ "${#packages[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${packages[@]}"
fi
# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi
dpkg-query -W -f='chromium ${Version}\n' chromium
java -version 2>&1 | head -1
