#!/usr/bin/env bash
# URL transformation benchmark (docs/performance.md, issue 26's goals), in one run on one machine:
#  1. cached hits: requests per second of one transformation link served from cache through the
#     edge, against nginx (Debian's package) serving the same derivative bytes from disk — wrk,
#     2 threads, 32 connections, SECONDS each, after a warm-up. Goal: >= 0.5x nginx.
#  2. first hits: the latency of a link's first request (computed, stored, charged), median of
#     WIDTHS distinct links, against the same work done directly: ImageOps/Process with the steps
#     Jobs derives, then Storage/PutBlob of the result (TransformPeerClient), alternating one of
#     each. Goal: first hit <= 1.3x (direct call + Storage write).
#   Benchmarks/Transform/run.sh [SECONDS] [WIDTHS]   Starts the local stack, stops it at the end.
# Needs: apt-get install wrk nginx.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-10}"
count="${2:-15}"
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "install nginx (apt-get install nginx)"; exit 1; }
(cd "$root/Benchmarks/RPC" && swift build -c release --product TransformPeerClient 2>&1 | tail -n 1)
peer="$(cd "$root/Benchmarks/RPC" && swift build -c release --show-bin-path)/TransformPeerClient"
export AUTH_FIRST_ADMIN_EMAIL=transform-bench-admin@imageswiss.local
url="$("$root/compose/stack" up | tail -n 1)"
data="${IMAGESWISS_DATA:-$root/compose/.data}"
work="$data/transform-bench"
rm -rf "$work" && mkdir -p "$work/www"
nginx_pid=""
cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  "$root/compose/stack" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
set -a; source "$root/compose/stack.env"; set +a

# A photograph-like 2400x1600 JPEG (smooth gradients and detail), uploaded by a new user.
python3 - "$work/photo.jpg" <<'PY'
import sys
from PIL import Image, ImageFilter
import random
random.seed(7)
w, h = 2400, 1600
image = Image.effect_mandelbrot((w, h), (-2.2, -1.2, 1.0, 1.2), 80).convert("RGB")
noise = Image.effect_noise((w, h), 24).convert("RGB")
image = Image.blend(image, noise, 0.15).filter(ImageFilter.GaussianBlur(0.8))
image.save(sys.argv[1], quality=90)
PY
signin() {
  curl -s -o /dev/null -X POST "$url/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"benchmark password 2026\"}"
  curl -s -X POST "$url/api/v1/auth/signin" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"benchmark password 2026\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["access_token"])'
}
token="$(signin "transform-bench-$(date +%s)@imageswiss.local")"
owner="$(curl -s -H "Authorization: Bearer $token" "$url/api/v1/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
file="$(curl -s -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$work/photo.jpg" "$url/api/v1/files?name=bench.jpg" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
secret="$(curl -s -X POST -H "Authorization: Bearer $token" "$url/api/v1/transformations/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
# Enough credits for every first hit, granted by an administrator.
admin="$(signin "$AUTH_FIRST_ADMIN_EMAIL")"
curl -s -o /dev/null -X POST "$url/api/v1/admin/billing/grants" -H "Authorization: Bearer $admin" \
  -H 'Content-Type: application/json' -H "Idempotency-Key: transform-bench-$(date +%s%N)" \
  -d "{\"account_id\":\"$owner\",\"amount\":10000,\"source\":\"promotional\"}"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$pgbin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d imageswiss_billing -qAt \
  -c "UPDATE tiers SET daily_cap = 1000000000" >/dev/null
sign() {
  python3 - "$secret" "$1" <<'PY'
import base64, hashlib, hmac, sys
secret, path = sys.argv[1], sys.argv[2]
code = hmac.new(secret.encode(), path.encode(), hashlib.sha256).digest()
print("/t/" + base64.urlsafe_b64encode(code).decode().rstrip("=") + path)
PY
}

# 2. First hits and their direct peer, alternating.
: >"$work/first.txt"; : >"$work/direct.txt"
widths=(); for i in $(seq 1 "$count"); do widths+=($((700 + i))); done
for width in "${widths[@]}"; do
  link="$(sign "/rs:fit:$width:0/q:80/$file.webp")"
  code_time="$(curl -s -o "$work/first.webp" -w '%{http_code} %{time_total}' "$url$link")"
  [ "${code_time%% *}" = 200 ] || { echo "first hit failed: $code_time"; cat "$work/first.webp"; exit 1; }
  echo "$width ${code_time#* }" >>"$work/first.txt"
  "$peer" "$IMAGEOPS_RPC_PORT" "$STORAGE_RPC_PORT" "$owner" "$work/photo.jpg" "$((width + 50))" >>"$work/direct.txt"
done

# 1. Cached hits against nginx serving the same bytes from disk.
link="$(sign "/rs:fit:${widths[0]}:0/q:80/$file.webp")"
curl -s -o "$work/www/derivative.webp" "$url$link"
nginx_port=18089
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  # Like the edge's access log (one line per request, written 32 KiB or 250 ms at a time).
  access_log $work/nginx-access.log combined buffer=32k flush=250ms;
  sendfile on;
  keepalive_requests 100000;
  types { image/webp webp; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    location / { add_header Cache-Control "public, max-age=31536000, immutable"; etag on; }
  }
}
CONF
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
"$nginx_bin" -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
nginx_pid=$!
sleep 1
size="$(stat -c %s "$work/www/derivative.webp")"
echo "wrk: 2 threads, 32 connections, ${seconds}s each after a 3 s warm-up; derivative $size bytes"
wrk -t2 -c32 -d3s "$url$link" >/dev/null
edge_out="$(wrk -t2 -c32 -d${seconds}s "$url$link")"
wrk -t2 -c32 -d3s "http://127.0.0.1:$nginx_port/derivative.webp" >/dev/null
nginx_out="$(wrk -t2 -c32 -d${seconds}s "http://127.0.0.1:$nginx_port/derivative.webp")"
echo "$edge_out" | grep -E "Requests/sec|Latency|Non-2xx" | sed 's/^/edge  /'
echo "$nginx_out" | grep -E "Requests/sec|Latency|Non-2xx" | sed 's/^/nginx /'
python3 - "$work/first.txt" "$work/direct.txt" "$edge_out" "$nginx_out" <<'PY'
import re, statistics, sys
first = [float(line.split()[1]) * 1000 for line in open(sys.argv[1])]
direct = [(float(p), float(s)) for _, p, s in (line.split() for line in open(sys.argv[2]))]
rps = lambda text: float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1))
edge, nginx = rps(sys.argv[3]), rps(sys.argv[4])
print(f"cached hits: edge {edge:.0f} req/s, nginx {nginx:.0f} req/s: {edge / nginx:.2f}x (goal >= 0.5x)")
process = statistics.median(p for p, _ in direct)
put = statistics.median(s for _, s in direct)
peer = statistics.median(p + s for p, s in direct)
hit = statistics.median(first)
print(f"first hits ({len(first)} links): median {hit:.1f} ms (curl, HTTP through the edge)")
print(f"direct: ImageOps/Process median {process:.1f} ms + Storage/PutBlob median {put:.1f} ms = {peer:.1f} ms (median of sums)")
print(f"first hit / (direct + write) = {hit / peer:.2f}x (goal <= 1.3x)")
PY
