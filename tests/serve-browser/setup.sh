#!/usr/bin/env bash
# Installs what the serve browser test needs, idempotently: Debian chromium and playwright-core
# (never `npx playwright install`: the browser comes from Debian).
set -euo pipefail
cd "$(dirname "$0")"
command -v chromium >/dev/null || { apt-get update && apt-get install -y chromium; }
[ -d node_modules/playwright-core ] || npm install --no-audit --no-fund
