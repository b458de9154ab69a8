#!/usr/bin/env bash
# `make chaos` (QUICK=1 for a short run): starts a fresh stack of the chaos profile
# (MINHU_PROFILE, default test-8), runs the fault drill of bench/chaos under a steady load,
# writes var/chaos/<time>/chaos.{md,json} and stops that stack; exits 1 on any lost or
# duplicated case or duplicate SMS.
set -uo pipefail
source "$(dirname "$0")/fresh_stack.sh" test-8
# The receipts of a gateway outage are tried again until well past its ten minutes.
export MINHU_NOTIFY_RETRY_SCHEDULE="${MINHU_NOTIFY_RETRY_SCHEDULE:-5s,10s,20s$(printf ',30s%.0s' {1..40})}"
"${stack[@]}" up >/dev/null || exit 1
eval "$("${stack[@]}" env)"
quick=()
if [ "${QUICK:-}" = 1 ]; then quick=(--quick); fi
.venv/bin/python -m bench.chaos --profile "$MINHU_PROFILE" "${quick[@]}" "$@"
