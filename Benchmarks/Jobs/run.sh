#!/usr/bin/env bash
# Jobs benchmark (docs/performance.md), on the local stack (compose/stack up), in one run:
#  1. no-op jobs per second, submit → succeeded, from 8 clients with Jobs' 2 worker loops (one job per
#     SubmitJob, then 50 per SubmitBatch), against pgbench's built-in simple-update script
#     (`pgbench -N`, 8 clients) on the same PostgreSQL, run before and after them (ratios against the better);
#  2. end-to-end resize jobs per second (fit 512x512, JPEG q80, a batch of 120 images of the ImageOps corpus read
#     from and written to Storage, credits held and captured) against ImageOps called directly over
#     RPC with 2 concurrent clients on the same corpus.
#   [RESIZE_ONLY=1] Benchmarks/Jobs/run.sh [SECONDS] [ROUNDS]   (ROUNDS: alternating resize rounds; RESIZE_ONLY skips part 1)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-15}"
rounds="${2:-3}"
work="${BENCH_DIR:-/tmp/imageswiss-jobs-bench}"
set -a; source "$root/compose/stack.env"; set +a
data="${IMAGESWISS_DATA:-$root/compose/.data}"
"$root/compose/stack" up >/dev/null
[ -n "${KEEP_STACK:-}" ] || trap '"$root/compose/stack" down >/dev/null 2>&1 || true' EXIT
(cd "$root/Benchmarks/RPC" && swift build -c release --product JobsBenchmarkClient 2>&1 | tail -n 1)
(cd "$root/Benchmarks/RPC" && swift build -c release --product ImageOpsBenchmarkClient 2>&1 | tail -n 1)
bin_dir="$(cd "$root/Benchmarks/RPC" && swift build -c release --show-bin-path)"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_db() { as_pg "$pgbin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d "$1" -qAt -c "$2"; }

psql_db imageswiss_billing "UPDATE tiers SET daily_cap = 1000000000" >/dev/null
if [ "${RESIZE_ONLY:-0}" != 1 ]; then
# pgbench runs before and after the no-op phases, and the ratios are against the better of the two:
# this host's speed drifts by tens of percent within minutes (one pgbench run here did 1,497 TPS, the
# next 3,809), and a ratio against a slow spell of the peer would flatter Jobs. Both are printed.
run_pgbench() {
  psql_db postgres "DROP DATABASE IF EXISTS pgbench" >/dev/null
  psql_db postgres "CREATE DATABASE pgbench" >/dev/null
  as_pg "$pgbin/pgbench" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -i -q -s 8 pgbench >/dev/null 2>&1
  echo "pgbench -N (simple-update), 8 clients, 2 threads, ${seconds}s ($1):" >&2
  local out
  out="$(as_pg "$pgbin/pgbench" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -N -c 8 -j 2 -T "$seconds" pgbench 2>&1)"
  echo "$out" | grep -E "^(tps|latency average|number of transactions actually processed)" >&2
  psql_db postgres "DROP DATABASE pgbench" >/dev/null
  echo "$out" | awk '/^tps = / { print $3; exit }'
}
tps_before="$(run_pgbench before)"

echo "ImageSwiss Jobs, no-op jobs, 8 clients, ${seconds}s of submissions:"
noop="$("$bin_dir/JobsBenchmarkClient" noop "$JOBS_RPC_PORT" "$BILLING_RPC_PORT" "$seconds")"
echo "$noop"
single_rate="$(echo "$noop" | sed -E 's/.*jobs_per_second=([0-9.]+).*/\1/')"
echo "ImageSwiss Jobs, no-op batches of 50, 8 clients, ${seconds}s of submissions:"
batched="$("$bin_dir/JobsBenchmarkClient" noop-batch "$JOBS_RPC_PORT" "$BILLING_RPC_PORT" "$STORAGE_RPC_PORT" "$seconds")"
echo "$batched"
batch_rate="$(echo "$batched" | sed -E 's/.*jobs_per_second=([0-9.]+).*/\1/')"
tps_after="$(run_pgbench after)"
python3 - "$single_rate" "$batch_rate" "$tps_before" "$tps_after" <<'PY'
import sys
single, batched, before, after = map(float, sys.argv[1:5])
tps = max(before, after)
print(f"pgbench TPS before {before:.1f}, after {after:.1f}, the better {tps:.1f}")
print(f"no-op jobs/s {single:.1f} vs pgbench TPS {tps:.1f}: {single / tps:.2f}x")
print(f"no-op jobs/s (batched submissions) {batched:.1f} vs pgbench TPS {tps:.1f}: {batched / tps:.2f}x")
PY
fi

python3 "$root/Benchmarks/ImageOps/corpus.py" "$work/corpus" 40 >/dev/null
# One batch of BATCH_IMAGES (default 120: the 40 corpus images three times, as links) per round, and
# ImageOps alone on the same 120: both work through a backlog, as a busy service does.
images="${BATCH_IMAGES:-120}"
rm -rf "$work/batch" && mkdir -p "$work/batch"
for i in $(seq 0 $((images - 1))); do ln -s "$work/corpus/photo-$(printf %03d $((i % 40))).jpg" "$work/batch/photo-$(printf %04d "$i").jpg"; done
# Rounds alternate ImageOps alone and the whole stack on the same images, so that both see the
# same machine (a background vacuum or checkpoint lands on both, not on one).
declare -a direct_all stack_all
for round in $(seq 1 "$rounds"); do
  direct="$("$bin_dir/ImageOpsBenchmarkClient" "$IMAGEOPS_RPC_PORT" "$work/batch" "$work/direct" 2)"
  direct_all+=("$(python3 -c "import re, sys; d = dict(re.findall(r'(\w+)=([0-9.]+)', sys.argv[1])); print(float(d['images']) / float(d['seconds']))" "$direct")")
  e2e="$("$bin_dir/JobsBenchmarkClient" resize "$JOBS_RPC_PORT" "$BILLING_RPC_PORT" "$STORAGE_RPC_PORT" "$work/batch" 1)"
  stack_all+=("$(echo "$e2e" | sed -E 's/.*jobs_per_second=([0-9.]+).*/\1/')")
  printf 'round %s: ImageOps direct (fit 512 q80, 2 clients, %s images) %.2f images/s; one resize batch of %s through the stack %.2f jobs/s\n' \
    "$round" "$images" "${direct_all[-1]}" "$images" "${stack_all[-1]}"
done
python3 - "${direct_all[*]}" "${stack_all[*]}" <<'PY'
import statistics, sys
direct, ours = ([float(x) for x in a.split()] for a in sys.argv[1:3])
ratios = [o / d for o, d in zip(ours, direct)]
print(f"resize jobs/s median {statistics.median(ours):.2f} vs ImageOps direct median {statistics.median(direct):.2f} images/s; "
      f"ratio by round {' '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}x)")
PY
