#!/usr/bin/env bash
# Install Debian's PostgreSQL server for the spend-log adapter test
# (tests/ingest/adapters/test_spendlogs_adapter.py starts its own throwaway server with initdb).
# Without it that test skips and says why; everything else runs.
#
#   bash scripts/install_postgres.sh
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends postgresql
fi
echo "postgresql: $(ls -d /usr/lib/postgresql/*/bin | tail -1)"
