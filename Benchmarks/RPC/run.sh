#!/usr/bin/env bash
# Builds the RPC benchmark in release mode and runs it. Figures go to standard output.
#   Benchmarks/RPC/run.sh [SECONDS_PER_SCENARIO]
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product RPCBenchmark
BENCH_SECONDS="${1:-3}" "$(swift build -c release --show-bin-path)/RPCBenchmark"
