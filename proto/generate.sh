#!/usr/bin/env bash
# Generates the Python code for proto/ into one place: services/common/proto_gen (or $1).
# tests/unit/common/test_proto_fresh.py fails when the committed code is stale.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/services/common/proto_gen}"
venv_bin="$root/.venv/bin"
mkdir -p "$out"
PATH="$venv_bin:$PATH" "$venv_bin/python" -m grpc_tools.protoc -I"$root/proto" \
  --python_out="$out" --mypy_out="$out" \
  $(cd "$root/proto" && find minhu -name '*.proto' | sort) 2> >(grep -v '^Writing mypy' >&2)
