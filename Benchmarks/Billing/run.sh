#!/usr/bin/env bash
# Billing benchmark (docs/performance.md): PlaceHold + Capture pairs per second from 8 concurrent
# clients (each its own account) over RPC, against pgbench's built-in simple-update script
# (`pgbench -N`, 8 clients) on the same PostgreSQL, in the same run.
# Then the same with PlaceHolds / SettleHolds batches of BATCH pairs per call (default 50, as Jobs' batches).
#   Benchmarks/Billing/run.sh [SECONDS] [BATCH]    Starts the local stack (compose/stack up), stops it at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-15}"
batch="${2:-50}"
set -a; source "$root/compose/stack.env"; set +a
data="${IMAGESWISS_DATA:-$root/compose/.data}"
"$root/compose/stack" up >/dev/null
trap '"$root/compose/stack" down >/dev/null 2>&1 || true' EXIT
(cd "$root/Benchmarks/RPC" && swift build -c release --product BillingBenchmarkClient 2>&1 | tail -n 1)
client="$(cd "$root/Benchmarks/RPC" && swift build -c release --show-bin-path)/BillingBenchmarkClient"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# The benchmark's accounts spend far more than the free tier's daily cap.
as_pg "$bin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d imageswiss_billing -qc "UPDATE tiers SET daily_cap = 1000000000"

as_pg "$bin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d postgres -qc "DROP DATABASE IF EXISTS pgbench" -c "CREATE DATABASE pgbench"
as_pg "$bin/pgbench" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -i -q -s 8 pgbench >/dev/null 2>&1
echo "pgbench -N (simple-update), 8 clients, 2 threads, ${seconds}s:"
pg_out="$(as_pg "$bin/pgbench" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -N -c 8 -j 2 -T "$seconds" pgbench 2>&1)"
tps="$(echo "$pg_out" | awk '/^tps = / { print $3; exit }')"
echo "$pg_out" | grep -E "^(tps|latency average|number of transactions actually processed)"
for size in 1 "$batch"; do
  if [ "$size" = 1 ]; then echo "ImageSwiss Billing, PlaceHold + Capture, 8 clients, ${seconds}s:"
  else echo "ImageSwiss Billing, PlaceHolds + SettleHolds of $size pairs, 8 clients, ${seconds}s:"; fi
  ours="$("$client" "$BILLING_RPC_PORT" 8 "$seconds" "$size")"
  echo "$ours"
  pairs="$(echo "$ours" | sed -E 's/.*pairs_per_second=([0-9.]+).*/\1/')"
  python3 -c "import sys; p, t = float(sys.argv[1]), float(sys.argv[2]); print(f'pairs/s {p:.1f} vs pgbench TPS {t:.1f}: {p / t:.2f}x')" "$pairs" "$tps"
done
as_pg "$bin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d postgres -qc "DROP DATABASE pgbench"
