#!/usr/bin/env bash
# The no-op drain alone, without submissions competing for the machine (docs/performance.md, Jobs,
# session 12), on the local stack (compose/stack up, left running): Jobs' database is recreated
# empty, Jobs restarted without workers (JOBS_WORKERS=0) while 8 clients queue no-op batches for
# SECONDS, then restarted with workers and the given settings, and timed from that start (about a
# second of it is the process starting) until the queue is empty. Jobs is left running with defaults.
#   Benchmarks/Jobs/drain-only.sh [SECONDS] [JOBS_SETTING=VALUE ...]
# e.g. Benchmarks/Jobs/drain-only.sh 8 JOBS_MAX_RUNNING_PER_USER=64 JOBS_WORKER_SLOTS=64
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-8}"
shift || true
set -a; source "$root/compose/stack.env"; set +a
data="${IMAGESWISS_DATA:-$root/compose/.data}"
export STORAGE_DATA_DIR="${STORAGE_DATA_DIR:-$data/blobs}"
jobs_bin="$(cd "$root" && swift build -c release --show-bin-path)/imageswiss-jobs"
(cd "$root/Benchmarks/RPC" && swift build -c release --product JobsBenchmarkClient 2>&1 | tail -n 1)
client="$(cd "$root/Benchmarks/RPC" && swift build -c release --show-bin-path)/JobsBenchmarkClient"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_db() { as_pg "$pgbin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d "$1" -qAt -c "$2"; }
stop_jobs() {
  local pid; pid="$(cat "$data/run/jobs.pid" 2>/dev/null || true)"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}
start_jobs() {   # settings as arguments; waits for the RPC port
  env "$@" nohup "$jobs_bin" >>"$data/logs/jobs.log" 2>&1 &
  echo $! > "$data/run/jobs.pid"
  until (echo > "/dev/tcp/127.0.0.1/$JOBS_RPC_PORT") 2>/dev/null; do sleep 0.2; done
}

psql_db imageswiss_billing "UPDATE tiers SET daily_cap = 1000000000" >/dev/null
stop_jobs
psql_db postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'imageswiss_jobs'" >/dev/null
psql_db postgres "DROP DATABASE imageswiss_jobs" >/dev/null
psql_db postgres "CREATE DATABASE imageswiss_jobs OWNER imageswiss_jobs" >/dev/null
start_jobs JOBS_WORKERS=0
timeout "$seconds" "$client" noop-batch "$JOBS_RPC_PORT" "$BILLING_RPC_PORT" "$STORAGE_RPC_PORT" $((seconds + 5)) >/dev/null 2>&1 || true
stop_jobs
queued="$(psql_db imageswiss_jobs "SELECT count(*) FROM job_queue")"
psql_db postgres "CHECKPOINT" >/dev/null
start="$(date +%s.%N)"
start_jobs "$@"
while [ "$(psql_db imageswiss_jobs "SELECT count(*) FROM job_queue")" != 0 ]; do sleep 0.2; done
end="$(date +%s.%N)"
python3 -c "print(f'queued={$queued} seconds={$end - $start:.2f} jobs_per_second={$queued / ($end - $start):.1f}')"
stop_jobs
start_jobs
