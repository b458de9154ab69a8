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
# MINHU_PROFILE=test-1 … test-9 runs a separate stack on other ports.
profile="${MINHU_PROFILE:-test}"
case "$profile" in test|test-[1-9]) ;; *) echo "MINHU_PROFILE must be a test profile" >&2; exit 2 ;; esac
export MINHU_PROFILE="$profile"
stack_py=(.venv/bin/python deploy/stack.py --profile "$profile")
if [ "$stack" = 1 ]; then
  "${stack_py[@]}" down >/dev/null 2>&1
  rm -rf "var/$profile"
  trap '"${stack_py[@]}" down' EXIT
  "${stack_py[@]}" up || exit 1
  eval "$("${stack_py[@]}" env)"
fi
mkdir -p test-artifacts
.venv/bin/python -m pytest -p no:cacheprovider "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "pytest collected no tests in: $*" >&2
fi
exit "$rc"
