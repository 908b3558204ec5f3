#!/usr/bin/env bash
# Installs Debian's PostgreSQL server for the collector's PostgreSQL tests and bench,
# idempotently. The tests start their own throwaway cluster (initdb + pg_ctl, as the
# `postgres` user when run as root) in a temporary folder; the package's own cluster is not used.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends postgresql
fi
ls -d /usr/lib/postgresql/*/bin/initdb
id -u postgres >/dev/null
