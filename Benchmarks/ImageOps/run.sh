#!/usr/bin/env bash
# ImageOps benchmark (docs/performance.md): the ImageOps service over RPC against Pillow, pyvips,
# vipsthumbnail and ImageMagick, same corpus, same run.   [ROUNDS=5] Benchmarks/ImageOps/run.sh [IMAGES]
# Needs (benchmarks only): pip install pillow pyvips numpy; apt-get install imagemagick libvips-tools
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${BENCH_DIR:-/tmp/imageswiss-imageops-bench}"
count="${1:-40}"
python3 "$here/corpus.py" "$work/corpus" "$count"
(cd "$root" && swift build -c release --product imageswiss-imageops)
(cd "$root/Benchmarks/RPC" && swift build -c release --product ImageOpsBenchmarkClient)
client="$(cd "$root/Benchmarks/RPC" && swift build -c release --show-bin-path)/ImageOpsBenchmarkClient"
bin="$(cd "$root" && swift build -c release --show-bin-path)"
port=$((20000 + RANDOM % 10000))
rm -rf "$work/out"
IMAGEOPS_RPC_PORT=$port IMAGEOPS_METRICS_PORT=0 IMAGEOPS_WORKERS=2 LOG_LEVEL=warning "$bin/imageswiss-imageops" &
service=$!
trap 'kill $service 2>/dev/null || true' EXIT
until "$bin/imageswiss-probe" "127.0.0.1:$port" >/dev/null 2>&1; do sleep 0.2; done
python3 "$here/peers.py" "$work/corpus" "$work/out" "$client" "$port"
