#!/usr/bin/env bash
# Fetches and builds everything the project needs, idempotently, on a fresh machine:
# Debian packages (PostgreSQL, Prometheus, Alertmanager), the Python environment, the Kafka jars from
# Maven Central, the Temporal CLI built from its Go module. Downloads and builds are cached
# under $MINHU_CACHE (default ~/.cache/minhu) and Go's and Maven's own caches, so a fresh
# clone on the same machine starts quickly. Usage:
# deploy/bootstrap.sh [all|python|servers|temporal-server]; Temporal's own server (for
# MINHU_TEMPORAL=server) is built only by `temporal-server` or when MINHU_TEMPORAL=server.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=versions.env
source "$root/deploy/versions.env"
cache="${MINHU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minhu}"
mkdir -p "$cache"
what="${1:-all}"

say() { printf '[bootstrap] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages() {
  local missing=()
  [ -x "/usr/lib/postgresql/$POSTGRES_MAJOR/bin/postgres" ] || missing+=("postgresql-$POSTGRES_MAJOR")
  [ -x /usr/bin/prometheus ] || missing+=("prometheus=$PROMETHEUS_DEB_VERSION")
  # Alertmanager routes the alerts; its amtool checks the routing in tests.
  [ -x /usr/bin/prometheus-alertmanager ] && [ -x /usr/bin/amtool ] ||
    missing+=("prometheus-alertmanager=$ALERTMANAGER_DEB_VERSION")
  # Browser tests drive Debian's Chromium; nothing downloads a browser of its own.
  [ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver fonts-noto-cjk)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -q >/dev/null
  # The packages' own services must not start system-wide: the project runs its own
  # instances on loopback. policy-rc.d tells invoke-rc.d not to start anything.
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$guard" >/dev/null
    as_root chmod +x "$guard"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null
  [ -n "$guard" ] && as_root rm -f "$guard"
  # A package may still have started its default instance; stop it, ours use other dirs.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus prometheus-alertmanager postgresql >/dev/null 2>&1 || true
  fi
}

python_env() {
  local uv_dir="$cache/uv-$UV_VERSION"
  if [ ! -x "$uv_dir/bin/uv" ]; then
    say "installing uv $UV_VERSION"
    python3.11 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$uv_dir" "uv==$UV_VERSION"
  fi
  local uv="$uv_dir/bin/uv"
  local stamp="$root/.venv/.requirements.sha256"
  local want
  want="$(sha256sum "$root/requirements.lock" "$root/pyproject.toml" | sha256sum | cut -c1-64)"
  if [ ! -x "$root/.venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "creating the Python environment (.venv)"
    [ -x "$root/.venv/bin/python" ] || "$uv" venv -q --python python3.11 "$root/.venv"
    "$uv" pip sync -q --python "$root/.venv/bin/python" "$root/requirements.lock"
    "$uv" pip install -q --python "$root/.venv/bin/python" --no-deps -e "$root"
    echo "$want" >"$stamp"
  fi
  "$root/proto/generate.sh" >/dev/null
}

kafka_jars() {
  local dir="$cache/kafka-$KAFKA_VERSION"
  [ -f "$dir/.complete" ] && return 0
  say "fetching Apache Kafka $KAFKA_VERSION from Maven Central"
  rm -rf "$dir/libs"
  mvn -q -B -Dstyle.color=never -f "$root/deploy/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/libs"
  touch "$dir/.complete"
}

temporal_cli() {
  local dir="$cache/temporal-$TEMPORAL_CLI_VERSION"
  [ -x "$dir/temporal" ] && return 0
  say "building the Temporal CLI $TEMPORAL_CLI_VERSION with go install (a few minutes, once)"
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS=-buildvcs=false go install \
    "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
}

# Temporal's own server on PostgreSQL (MINHU_TEMPORAL=server, see deploy/temporal_server.py),
# with its SQL schema tool and the versioned schema its module ships. GOFLAGS may add -p=1
# to spare a shared machine.
temporal_server() {
  local dir="$cache/temporal-server-$TEMPORAL_SERVER_VERSION"
  [ -x "$dir/temporal-server" ] && [ -x "$dir/temporal-sql-tool" ] && [ -d "$dir/schema" ] && return 0
  say "building the Temporal server $TEMPORAL_SERVER_VERSION and temporal-sql-tool with go install (long, once)"
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS="-buildvcs=false ${GOFLAGS:-}" go install \
    "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  mv "$dir/server" "$dir/temporal-server"
  mv "$dir/sql" "$dir/temporal-sql-tool"
  local module
  module="$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION"
  rm -rf "$dir/schema"
  mkdir -p "$dir/schema"
  cp -r "$module/schema/postgresql" "$dir/schema/"
  chmod -R u+w "$dir/schema"
}

temporal_test_server() {
  local dir="$cache/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
  [ -f "$dir/.complete" ] && return 0
  say "fetching Temporal's time-skipping test server $TEMPORAL_TEST_SERVER_VERSION from Maven Central"
  rm -rf "$dir/libs"
  mvn -q -B -Dstyle.color=never -f "$root/deploy/temporal/pom.xml" \
    -Dtemporal.version="$TEMPORAL_TEST_SERVER_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/libs"
  touch "$dir/.complete"
}

# Browser libraries are vendored from the npm registry at build time, never fetched from a
# CDN when a page loads: ECharts draws the desk's charts.
browser_vendor() {
  local dir="$cache/echarts-$ECHARTS_VERSION"
  if [ ! -f "$dir/package/dist/echarts.min.js" ]; then
    say "fetching ECharts $ECHARTS_VERSION from the npm registry"
    mkdir -p "$dir"
    (cd "$dir" && npm pack -q "echarts@$ECHARTS_VERSION" >/dev/null && tar xzf "echarts-$ECHARTS_VERSION.tgz")
  fi
  mkdir -p "$root/services/desk/static/vendor"
  cp "$dir/package/dist/echarts.min.js" "$root/services/desk/static/vendor/echarts.min.js"
}

optional_temporal_server() {
  if [ "${MINHU_TEMPORAL:-dev}" = server ]; then temporal_server; fi
}

case "$what" in
  python) python_env; browser_vendor ;;
  servers) apt_packages; kafka_jars; temporal_cli; temporal_test_server; optional_temporal_server ;;
  temporal-server) temporal_cli; temporal_server ;;
  all)
    apt_packages; python_env; browser_vendor; kafka_jars; temporal_cli; temporal_test_server
    optional_temporal_server
    ;;
  *) echo "usage: $0 [all|python|servers|temporal-server]" >&2; exit 2 ;;
esac
