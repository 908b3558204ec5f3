#!/usr/bin/env bash
# Installs what the survey widget's browser tests need, idempotently:
# Debian chromium (never `npx playwright install`) and the npm packages of package.json
# (playwright-core, and binaryen for wasm-opt, which yasno-widget-build uses when present).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium
fi

if [ ! -x "$here/node_modules/.bin/wasm-opt" ] || [ ! -d "$here/node_modules/playwright-core" ]; then
  npm install --prefix "$here" --no-audit --no-fund
fi
