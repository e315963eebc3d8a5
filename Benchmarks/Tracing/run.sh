#!/usr/bin/env bash
# What tracing costs (docs/performance.md, issue 30): the edge benchmark (GET /api/v1/me through the
# edge, Benchmarks/Auth) with tracing off, then on — every service exporting to a local OTLP/HTTP
# receiver (sink.py) on the same machine — in one run.        Benchmarks/Tracing/run.sh [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-10}"
port=$((30000 + RANDOM % 10000))
python3 "$here/sink.py" $port & sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
echo "== tracing off"
env -u OTEL_EXPORTER_OTLP_ENDPOINT bash "$root/Benchmarks/Auth/run.sh" "$seconds" | grep -E "edge|bare"
echo "== tracing on (OTLP/HTTP to 127.0.0.1:$port, OTEL_BSP_SCHEDULE_DELAY 1000 ms)"
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_BSP_SCHEDULE_DELAY=1000 \
  bash "$root/Benchmarks/Auth/run.sh" "$seconds" | grep -E "edge|bare"
kill $sink; wait $sink 2>/dev/null || true
