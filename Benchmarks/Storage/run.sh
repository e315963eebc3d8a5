#!/usr/bin/env bash
# Storage benchmark (docs/performance.md): a 50 MB file uploaded (raw POST /api/v1/files) and
# downloaded (GET /api/v1/files/{id}/content) through the edge with curl, against `cp` of the same
# bytes on the same disk — and `cp` followed by `sync` of the copy, since Storage fsyncs before it
# acknowledges — in the same run. Medians of ROUNDS rounds; each round uploads different bytes
# (no deduplication shortcut). Prints the peak memory (VmHWM) of the edge and Storage afterwards.
#   Benchmarks/Storage/run.sh [ROUNDS]        Starts the local stack (compose/stack up), stops it at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds="${1:-5}"
data="${IMAGESWISS_DATA:-$root/compose/.data}"
url="$("$root/compose/stack" up | tail -n 1)"
trap '"$root/compose/stack" down >/dev/null 2>&1 || true' EXIT
# The work folder sits beside Storage's blobs: the same disk for every contender.
work="$data/storage-bench"
rm -rf "$work" && mkdir -p "$work"
size=50000000

curl -s -o /dev/null -X POST "$url/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"storage-bench@imageswiss.local","password":"benchmark password 2026"}'
token="$(curl -s -X POST "$url/api/v1/auth/signin" -H 'Content-Type: application/json' \
  -d '{"email":"storage-bench@imageswiss.local","password":"benchmark password 2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["access_token"])')"

now() { date +%s%N; }
results="$work/results.txt"; : >"$results"
for round in $(seq 1 "$rounds"); do
  # A JPEG signature (Storage takes uploads for images by their bytes) and random bytes.
  python3 - "$work/in.jpg" "$size" <<'PY'
import os, sys
path, size = sys.argv[1], int(sys.argv[2])
head = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
open(path, "wb").write(head + os.urandom(size - len(head)))
PY
  sync
  t0=$(now); cp "$work/in.jpg" "$work/copy.bin"; t1=$(now)
  rm -f "$work/copy.bin"; sync
  t2=$(now); cp "$work/in.jpg" "$work/copy.bin"; sync "$work/copy.bin"; t3=$(now)
  rm -f "$work/copy.bin"
  up=$(curl -s -o "$work/up.json" -w '%{time_total}' -T "$work/in.jpg" -X POST -H 'Expect:' \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' "$url/api/v1/files?name=bench-$round.jpg")
  id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/up.json")" || { cat "$work/up.json"; exit 1; }
  down=$(curl -s -o "$work/out.bin" -w '%{time_total}' -H "Authorization: Bearer $token" "$url/api/v1/files/$id/content")
  cmp -s "$work/in.jpg" "$work/out.bin" || { echo "downloaded bytes differ"; exit 1; }
  rm -f "$work/out.bin"
  curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $token" "$url/api/v1/files/$id"
  echo "$(( (t1 - t0) / 1000 )) $(( (t3 - t2) / 1000 )) $up $down" >>"$results"
done

peak() { local pid; pid="$(cat "$data/run/$1.pid")"; awk '/VmHWM/ { print $2 / 1024 " MiB" }' "/proc/$pid/status"; }
edge_peak="$(peak edge)"; storage_peak="$(peak storage)"
python3 - "$results" "$size" "$rounds" "$edge_peak" "$storage_peak" <<'PY'
import statistics, sys
path, size, rounds, edge_peak, storage_peak = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rows = [line.split() for line in open(path)]
cp = statistics.median(float(r[0]) / 1e6 for r in rows)
cp_sync = statistics.median(float(r[1]) / 1e6 for r in rows)
up = statistics.median(float(r[2]) for r in rows)
down = statistics.median(float(r[3]) for r in rows)
mbps = lambda seconds: size / 1e6 / seconds
print(f"50 MB file, median of {rounds} rounds (MB = 10^6 bytes)")
print(f"{'contender':<44} {'seconds':>8} {'MB/s':>8}")
for name, seconds in [("upload through the edge (POST, fsynced)", up), ("download through the edge (GET)", down),
                      ("cp, same disk", cp), ("cp + sync of the copy, same disk", cp_sync)]:
    print(f"{name:<44} {seconds:>8.3f} {mbps(seconds):>8.0f}")
print(f"upload / cp = {mbps(up) / mbps(cp):.2f}x   upload / (cp + sync) = {mbps(up) / mbps(cp_sync):.2f}x")
print(f"download / cp = {mbps(down) / mbps(cp):.2f}x")
print(f"peak resident memory after the run: edge {edge_peak}, storage {storage_peak}")
PY
