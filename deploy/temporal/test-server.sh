#!/usr/bin/env bash
# Launches Temporal's time-skipping test server (Java, from Maven Central via
# deploy/bootstrap.sh). The Python SDK calls it as: test-server.sh <port> --enable-time-skipping
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=../versions.env
source "$root/deploy/versions.env"
cache="${MINHU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minhu}"
exec java -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$cache/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION/libs/*" \
  io.temporal.testserver.TestServer "$@"
