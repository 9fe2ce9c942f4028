#!/usr/bin/env bash
# Install the pinned browser libraries from npm and copy their built files into
# mpp/static/vendor (git-ignored). Run by `make install`; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
out=mpp/static/vendor
mkdir -p "$out"
cp node_modules/socket.io-client/dist/socket.io.min.js "$out/socket.io.min.js"
cp node_modules/chart.js/dist/chart.umd.min.js "$out/chart.umd.min.js"
cp node_modules/axe-core/axe.min.js "$out/axe.min.js"
# the kiosk reads booking and remote-ticket QR codes from its camera
cp node_modules/jsqr/dist/jsQR.js "$out/jsQR.js"
echo "browser libraries copied to $out"
