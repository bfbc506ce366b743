#!/usr/bin/env bash
# Install what the report's browser test (tests/e2e/test_report_browser.py) needs:
# Debian's chromium (no browser download from a CDN) and the Playwright Python client.
# Never runs `playwright install`: the test launches /usr/bin/chromium directly.
#
#   bash scripts/install_browser.sh [PYTHON]
set -euo pipefail
PY="${1:-python3}"
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if ! command -v chromium >/dev/null 2>&1; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
fi
"$PY" -m pip install -q playwright
echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
