#!/usr/bin/env bash
# Install what the serve tests (tests/serve/) need from Debian: redis-server, which the tests
# start themselves on a free loopback port (shared state across workers). Nothing is started here.
#
#   bash scripts/install_redis.sh
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if ! command -v redis-server >/dev/null 2>&1; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends redis-server
fi
echo "redis-server: $(command -v redis-server) ($(redis-server --version 2>/dev/null | cut -d' ' -f3 || echo 'version unknown'))"
