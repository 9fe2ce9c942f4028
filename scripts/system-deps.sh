#!/usr/bin/env bash
# Debian packages mpp needs, installed only when missing (needs root or sudo).
#
#   scripts/system-deps.sh base     a fresh machine, for `make install` / `make demo`:
#                                   python3-venv, a C compiler and the Python headers (for
#                                   any package built from source, e.g. pycups), npm
#   scripts/system-deps.sh server   base + what a production server runs: pg_dump and
#                                   pg_restore for `mpp backup` (postgresql-client),
#                                   espeak-ng for the announcements
#   scripts/system-deps.sh [test]   base + what the test suite needs (`make test`): Chromium
#                                   (browser tests, driven by Playwright without downloading
#                                   a browser), espeak-ng and sox (announcement audio), zbar
#                                   (reading QR codes back), CUPS (cupsd and lpadmin for the
#                                   CUPS printer test, libcups2-dev to build pycups)
#
# --dry-run (after the mode) prints what would be installed and installs nothing.
set -euo pipefail
mode="${1:-test}"
dry="${2:-}"
python="${PYTHON:-python3}"
need=()

# base: a venv, and building C extensions against this Python
if ! command -v "$python" >/dev/null; then
    need+=(python3 python3-venv python3-dev)
else
    "$python" -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
    "$python" -c 'import os, sysconfig, sys
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)' \
        2>/dev/null || need+=(python3-dev)
fi
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v npm >/dev/null || need+=(npm)

case "$mode" in
    base) ;;
    server)
        command -v pg_dump >/dev/null && command -v pg_restore >/dev/null \
            || need+=(postgresql-client)
        command -v espeak-ng >/dev/null || need+=(espeak-ng)
        ;;
    test)
        command -v chromium >/dev/null || need+=(chromium)
        command -v espeak-ng >/dev/null || need+=(espeak-ng)
        command -v sox >/dev/null || need+=(sox)
        command -v zbarimg >/dev/null || need+=(zbar-tools)
        [ -x /usr/sbin/cupsd ] && [ -x /usr/sbin/lpadmin ] || need+=(cups)
        [ -f /usr/include/cups/cups.h ] || need+=(libcups2-dev)
        command -v pg_dump >/dev/null || need+=(postgresql-client)
        ;;
    *) echo "usage: $0 [base|server|test] [--dry-run]" >&2; exit 2 ;;
esac

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$dry" = "--dry-run" ]; then
    echo "would install ${need[*]}"
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
