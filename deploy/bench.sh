#!/usr/bin/env bash
# `make bench` (QUICK=1 for a run under five minutes): starts a fresh stack of the bench
# profile (MINHU_PROFILE, default test-9), runs the harness in bench/harness (baselines of
# the raw parts, the open-loop ramp, overload, escalation at scale under the drill policy,
# the older benches under bench/), writes var/bench/<time>/bench.{json,md,png}, and stops
# that stack.
set -uo pipefail
source "$(dirname "$0")/fresh_stack.sh" test-9
# Intake refuses writes it cannot place within half a second, as in production.
export MINHU_INTAKE_ADMISSION_WAIT="${MINHU_INTAKE_ADMISSION_WAIT:-0.5}"
# PostgreSQL counts statements (pg_stat_statements) for the per-case figures of each step.
MINHU_PG_STATEMENTS=1 "${stack[@]}" up >/dev/null || exit 1
eval "$("${stack[@]}" env)"
# The ramp files up to 100 cases/s: as an API client of its own, above the demo key's rate.
if [ -z "${MINHU_BENCH_API_KEY:-}" ]; then
  MINHU_BENCH_API_KEY="$(.venv/bin/python -m services.intake.clients add bench \
    --scope cases:write --scope cases:read --per-minute 600000 --burst 10000 |
    sed -n 's/^key (shown once, keep it secret): //p')"
  export MINHU_BENCH_API_KEY
fi
quick=()
if [ "${QUICK:-}" = 1 ]; then quick=(--quick); fi
.venv/bin/python -m bench.harness "${quick[@]}" "$@"
