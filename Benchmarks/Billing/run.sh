#!/usr/bin/env bash
# Billing benchmark (docs/performance.md): PlaceHold + Capture pairs per second from 8 concurrent
# clients (each its own account) over RPC, against pgbench's built-in simple-update script
# (`pgbench -N`, 8 clients) on the same PostgreSQL, in the same run.
# Then the same with PlaceHolds / SettleHolds batches of BATCH pairs per call (default 50), as Jobs
# holds and settles a batch of jobs. ROUNDS (default 3) rounds; medians and each round's ratios.
#   [ROUNDS=N] Benchmarks/Billing/run.sh [SECONDS] [BATCH]    Starts the local stack (compose/stack up), stops it at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-15}"
batch="${2:-50}"
rounds="${ROUNDS:-3}"
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
# Rounds alternate the contenders, each after a CHECKPOINT, so that neither inherits the other's
# dirty pages (pgbench's initialisation writes ~130 MB) or a checkpoint's full-page writes.
checkpoint() { as_pg "$bin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d postgres -qc "CHECKPOINT"; }
declare -a tps_all single_all batch_all
for round in $(seq 1 "$rounds"); do
  checkpoint
  pg_out="$(as_pg "$bin/pgbench" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -N -c 8 -j 2 -T "$seconds" pgbench 2>&1)"
  tps_all+=("$(echo "$pg_out" | awk '/^tps = / { print $3; exit }')")
  checkpoint
  single_all+=("$("$client" "$BILLING_RPC_PORT" 8 "$seconds" 1 | sed -E 's/.*pairs_per_second=([0-9.]+).*/\1/')")
  checkpoint
  batch_all+=("$("$client" "$BILLING_RPC_PORT" 8 "$seconds" "$batch" | sed -E 's/.*pairs_per_second=([0-9.]+).*/\1/')")
  echo "round $round: pgbench -N ${tps_all[-1]} TPS; PlaceHold + Capture ${single_all[-1]} pairs/s; PlaceHolds + SettleHolds of $batch ${batch_all[-1]} pairs/s"
done
python3 - "$batch" "${tps_all[*]}" "${single_all[*]}" "${batch_all[*]}" <<'PY'
import statistics, sys
batch = sys.argv[1]
tps, single, batched = ([float(x) for x in a.split()] for a in sys.argv[2:5])
print(f"pgbench -N (simple-update), 8 clients, 2 threads: median {statistics.median(tps):.1f} TPS")
for name, figures in (("PlaceHold + Capture, one pair per two calls", single), (f"PlaceHolds + SettleHolds, {batch} pairs per two calls", batched)):
    ratios = [f / t for f, t in zip(figures, tps)]
    print(f"{name}, 8 clients: median {statistics.median(figures):.1f} pairs/s; "
          f"ratio to pgbench by round {' '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}x)")
PY
as_pg "$bin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d postgres -qc "DROP DATABASE pgbench"
