#!/usr/bin/env bash
# Auth benchmark (docs/performance.md): sign-in throughput (bounded by argon2id), and authenticated
# GET /api/v1/me through the edge (access token verified locally) against a bare Hummingbird handler
# returning the same bytes — same machine, same run.      Benchmarks/Auth/run.sh [SECONDS]
# Needs: apt-get install wrk. Starts the local stack (compose/stack up) and stops it at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-15}"
work="${BENCH_DIR:-/tmp/imageswiss-auth-bench}"
mkdir -p "$work"
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }

# One load generator on loopback is one client address: the edge's per-address and per-user limits
# (docs/configuration.md) would answer most requests 429, so the benchmark lifts them.
export EDGE_RATE_LIMIT_IP_PER_S=1000000 EDGE_RATE_LIMIT_IP_BURST=1000000
export EDGE_RATE_LIMIT_USER_PER_S=1000000 EDGE_RATE_LIMIT_USER_BURST=1000000
url="$("$root/compose/stack" up | tail -n 1)"
trap '"$root/compose/stack" down >/dev/null 2>&1 || true; kill ${peer:-0} 2>/dev/null || true' EXIT
(cd "$root/Benchmarks/RPC" && swift build -c release --product BareHTTPPeer)
peer_bin="$(cd "$root/Benchmarks/RPC" && swift build -c release --show-bin-path)/BareHTTPPeer"

curl -s -o /dev/null -X POST "$url/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"bench@imageswiss.local","password":"benchmark password 2026","display_name":"Bench"}'
token="$(curl -s -X POST "$url/api/v1/auth/signin" -H 'Content-Type: application/json' \
  -d '{"email":"bench@imageswiss.local","password":"benchmark password 2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["access_token"])')"
curl -s -H "Authorization: Bearer $token" "$url/api/v1/me" >"$work/me.json"
echo "GET /api/v1/me answers $(wc -c <"$work/me.json") bytes: $(cat "$work/me.json")"

port=$((20000 + RANDOM % 10000))
"$peer_bin" $port "$work/me.json" & peer=$!
until curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/me"; do sleep 0.2; done
cmp -s "$work/me.json" <(curl -s "http://127.0.0.1:$port/api/v1/me") || { echo "peer answers different bytes"; exit 1; }

rate() { awk '/Requests\/sec/ { print $2 }'; }
# The host's speed drifts by tens of percent within minutes, so the two contenders alternate in
# ROUNDS rounds of SECONDS each and the median of the per-round ratios is reported.
rounds="${ROUNDS:-3}"
echo "wrk: 2 threads, 32 connections; $rounds alternating rounds of ${seconds}s each; warm-up 3 s first"
wrk -t2 -c32 -d3s -H "Authorization: Bearer $token" "$url/api/v1/me" >/dev/null
wrk -t2 -c32 -d3s "http://127.0.0.1:$port/api/v1/me" >/dev/null
edges=(); bares=()
for round in $(seq 1 "$rounds"); do
  edge_out="$(wrk -t2 -c32 -d${seconds}s -H "Authorization: Bearer $token" "$url/api/v1/me")"
  echo "$edge_out" | grep -q "Non-2xx" && { echo "edge answered errors:"; echo "$edge_out"; exit 1; }
  bare_out="$(wrk -t2 -c32 -d${seconds}s "http://127.0.0.1:$port/api/v1/me")"
  edges+=("$(echo "$edge_out" | rate)"); bares+=("$(echo "$bare_out" | rate)")
  echo "round $round: edge ${edges[-1]} req/s, bare ${bares[-1]} req/s"
done
signin_out="$(wrk -t2 -c4 -d${seconds}s -s "$here/signin.lua" "$url/api/v1/auth/signin")"
signin=$(echo "$signin_out" | rate)
echo "$signin_out" | grep -q "Non-2xx" && { echo "sign-in answered errors:"; echo "$signin_out"; }
python3 - "$signin" "${edges[*]}" "${bares[*]}" <<'PY'
import statistics, sys
signin = float(sys.argv[1])
edges = [float(x) for x in sys.argv[2].split()]
bares = [float(x) for x in sys.argv[3].split()]
ratios = sorted(e / b for e, b in zip(edges, bares))
print(f"{'contender':<42} {'median req/s':>12}")
print(f"{'edge GET /api/v1/me (token verified)':<42} {statistics.median(edges):>12.0f}")
print(f"{'bare Hummingbird handler, same bytes':<42} {statistics.median(bares):>12.0f}")
print(f"edge / bare = {statistics.median(ratios):.2f}x (median of {len(ratios)} rounds; "
      f"{ratios[0]:.2f}-{ratios[-1]:.2f}x)")
print(f"{'sign-in (argon2id m=19456 KiB t=2 p=1)':<42} {signin:>12.1f}")
PY
