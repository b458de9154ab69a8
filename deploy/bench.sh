#!/usr/bin/env bash
# Runs every benchmark under bench/ against a fresh stack of the test-9 profile whose sla
# service uses the drill policy (deadlines of seconds), then stops that stack.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export MINHU_PROFILE=test-9
export MINHU_SLA_POLICY="$root/deploy/sla/drill.yaml"
stack=(.venv/bin/python deploy/stack.py --profile "$MINHU_PROFILE")
"${stack[@]}" down >/dev/null 2>&1
rm -rf "var/$MINHU_PROFILE"
trap '"${stack[@]}" down >/dev/null' EXIT
"${stack[@]}" up >/dev/null || exit 1
eval "$("${stack[@]}" env)"
rc=0
for script in bench/*.py; do
  echo "== $script"
  .venv/bin/python "$script" || rc=1
done
exit "$rc"
