# Sourced by deploy/bench.sh and deploy/chaos.sh with the default profile as $1: takes a test
# profile (MINHU_PROFILE), stops its stack and clears its state, and stops the stack again
# when the calling script exits. Leaves `stack` (the stack command of that profile) set.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export MINHU_PROFILE="${MINHU_PROFILE:-$1}"
case "$MINHU_PROFILE" in test|test-[1-9]) ;; *) echo "MINHU_PROFILE must be a test profile" >&2; exit 2 ;; esac
stack=(.venv/bin/python deploy/stack.py --profile "$MINHU_PROFILE")
"${stack[@]}" down >/dev/null 2>&1
rm -rf "var/$MINHU_PROFILE"
trap '"${stack[@]}" down >/dev/null' EXIT
