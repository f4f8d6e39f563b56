#!/usr/bin/env bash
# The API benchmark loads gunicorn with wrk (C, one thread per core, so the load generator does
# not eat the CPU it measures). Installs Debian's wrk with apt when missing, like
# scripts/ensure_browser.sh installs Chromium.
set -euo pipefail
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
