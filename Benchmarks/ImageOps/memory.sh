#!/usr/bin/env bash
# ImageOps memory run (docs/performance.md): IMAGES calls (default 10000) through one service
# process per allocator — glibc's default, glibc with MALLOC_ARENA_MAX=2, jemalloc, and the
# service's own default (two arenas set with mallopt at start) — sampling the process's resident
# memory every second.     Benchmarks/ImageOps/memory.sh [IMAGES]
# Needs: apt-get install libjemalloc2; the corpus of run.sh (made here when missing).
# ROWS="glibc service-default" runs only those rows.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${BENCH_DIR:-/tmp/imageswiss-imageops-bench}"
images="${1:-10000}"
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[ -d "$work/corpus" ] || python3 "$here/corpus.py" "$work/corpus" 40
(cd "$root" && swift build -c release --product imageswiss-imageops --product imageswiss-probe)
(cd "$root/Benchmarks/RPC" && swift build -c release --product ImageOpsBenchmarkClient)
client="$(cd "$root/Benchmarks/RPC" && swift build -c release --show-bin-path)/ImageOpsBenchmarkClient"
bin="$(cd "$root" && swift build -c release --show-bin-path)"

rss_mib() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

run() {  # run NAME ENV...
    local name=$1; shift
    [ -z "${ROWS:-}" ] || [[ " $ROWS " == *" $name "* ]] || return 0
    local port=$((20000 + RANDOM % 10000))
    env "$@" IMAGEOPS_RPC_PORT=$port IMAGEOPS_METRICS_PORT=0 IMAGEOPS_WORKERS=2 LOG_LEVEL=warning "$bin/imageswiss-imageops" &
    local service=$!
    until "$bin/imageswiss-probe" "127.0.0.1:$port" >/dev/null 2>&1; do sleep 0.2; done
    local samples="$work/rss-$name.txt"
    : >"$samples"
    (while kill -0 $service 2>/dev/null; do rss_mib $service >>"$samples" 2>/dev/null && echo >>"$samples"; sleep 1; done) &
    local sampler=$!
    local result
    result=$("$client" $port "$work/corpus" - 2 "$images")
    kill $service; wait $service 2>/dev/null || true; kill $sampler 2>/dev/null || true
    # Resident MiB after the first tenth of the run, at the end, and the peak.
    python3 - "$name" "$samples" "$result" <<'PY'
import sys
name, path, result = sys.argv[1], sys.argv[2], sys.argv[3]
rss = [int(x) for x in open(path).read().split()]
tenth = rss[max(0, len(rss) // 10 - 1)]
images, seconds = (float(kv.split("=")[1]) for kv in result.split())
print(f"{name:<22} {int(images):>7} {images / seconds:>9.1f} {tenth:>12} {rss[-1]:>10} {max(rss):>9}")
PY
}

echo "allocator               images  images/s  MiB@10%-run  MiB@end  MiB peak"
run glibc IMAGEOPS_MALLOC_ARENA_MAX=0
run glibc-arena-max-2 MALLOC_ARENA_MAX=2 IMAGEOPS_MALLOC_ARENA_MAX=0
run jemalloc LD_PRELOAD=$jemalloc IMAGEOPS_MALLOC_ARENA_MAX=0
run service-default
