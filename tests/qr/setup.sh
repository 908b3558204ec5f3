#!/usr/bin/env bash
# Installs what the QR tests need, idempotently: zbar-tools (`zbarimg`), the second decoder
# that every code must pass besides rqrr (src/qr/tests.rs).
set -euo pipefail
if ! command -v zbarimg >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends zbar-tools
fi
