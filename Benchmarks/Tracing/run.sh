#!/usr/bin/env bash
# What tracing costs (docs/performance.md, issue 30), off and then on in one run, each "on" exporting
# to a local OTLP/HTTP receiver (sink.py) on the same machine:
#   edge — GET /api/v1/me through the edge (Benchmarks/Auth), every request a recorded trace;
#   rpc  — the RPC benchmark (Benchmarks/RPC), every ImageSwiss call a trace of its own.
#     Benchmarks/Tracing/run.sh [SECONDS] [edge|rpc|all]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-10}"
part="${2:-all}"
port=$((30000 + RANDOM % 10000))
python3 "$here/sink.py" $port & sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
if [ "$part" != rpc ]; then
  echo "== edge, tracing off"
  env -u OTEL_EXPORTER_OTLP_ENDPOINT bash "$root/Benchmarks/Auth/run.sh" "$seconds" | grep -E "edge|bare"
  echo "== edge, tracing on (OTLP/HTTP to 127.0.0.1:$port, OTEL_BSP_SCHEDULE_DELAY 1000 ms)"
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_BSP_SCHEDULE_DELAY=1000 \
    bash "$root/Benchmarks/Auth/run.sh" "$seconds" | grep -E "edge|bare"
fi
if [ "$part" != edge ]; then
  echo "== RPC, tracing off"
  bash "$root/Benchmarks/RPC/run.sh" 3 | grep -A20 "against grpc-swift-2"
  echo "== RPC, tracing on"
  BENCH_TRACING="http://127.0.0.1:$port" bash "$root/Benchmarks/RPC/run.sh" 3 | grep -A20 -E "tracing on|against grpc-swift-2"
fi
kill $sink; wait $sink 2>/dev/null || true
