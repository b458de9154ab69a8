#!/usr/bin/env bash
# Runs pytest on the given paths. With --stack, first starts a fresh stack of the `test`
# profile (ports +10000, state in var/test) and stops it afterwards whatever happens.
# pytest's exit code 5 (nothing collected) is reported and treated as a failure: a suite
# that silently stops collecting tests must not pass.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
stack=0
if [ "${1:-}" = "--stack" ]; then stack=1; shift; fi
export MINHU_PROFILE=test
if [ "$stack" = 1 ]; then
  .venv/bin/python deploy/stack.py --profile test down >/dev/null 2>&1
  rm -rf var/test
  trap '.venv/bin/python deploy/stack.py --profile test down' EXIT
  .venv/bin/python deploy/stack.py --profile test up || exit 1
  eval "$(.venv/bin/python deploy/stack.py --profile test env)"
fi
mkdir -p test-artifacts
.venv/bin/python -m pytest -p no:cacheprovider "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "pytest collected no tests in: $*" >&2
fi
exit "$rc"
