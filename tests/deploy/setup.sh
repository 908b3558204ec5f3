#!/usr/bin/env bash
# Installs what the deployment tests (tests/integration/deploy.rs) need, idempotently: Debian's
# nginx, openssl (a throwaway certificate for `nginx -t`) and systemd-analyze. The tests fail,
# not skip, without them. Installing nginx does not start it in a container (policy-rc.d); on a
# workstation it may start Debian's default site on port 80: `systemctl disable --now nginx`.
set -euo pipefail
packages=()
[ -x /usr/sbin/nginx ] || packages+=(nginx)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
command -v systemd-analyze >/dev/null 2>&1 || packages+=(systemd)
if [ "${#packages[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${packages[@]}"
fi
/usr/sbin/nginx -v 2>&1
systemd-analyze --version | head -1
