#!/usr/bin/env bash
# Debian packages the test suite and the voice need: Chromium (browser tests, driven by
# Playwright without downloading a browser), espeak-ng and sox (announcement audio), zbar
# (reading QR codes back in tests), CUPS (cupsd and lpadmin for the CUPS printer test,
# libcups2-dev to build pycups). Installs only what is missing; needs root or sudo.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
command -v zbarimg >/dev/null || need+=(zbar-tools)
[ -x /usr/sbin/cupsd ] && [ -x /usr/sbin/lpadmin ] || need+=(cups)
[ -f /usr/include/cups/cups.h ] || need+=(libcups2-dev)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
