#!/usr/bin/env bash
# AI latency benchmark (docs/performance.md, issue 27's measure): what the platform adds to an AI
# job — submit → succeeded, seen over the job's SSE stream, minus the time the provider server
# itself spent on the job — p50 and p99, with 1 and 32 jobs in flight. The provider is a local server
# speaking Together's images API (latency.py), configured through the admin API like a real one.
# The peer figure: a plain HTTP round trip to that server from the same client, same run.
#     Benchmarks/AI/run.sh [JOBS_AT_32]      Starts the local stack (compose/stack up), stops it at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jobs="${1:-256}"
# One client address and one user: the edge's limits would answer most submissions 429.
export EDGE_RATE_LIMIT_IP_PER_S=1000000 EDGE_RATE_LIMIT_IP_BURST=1000000
export EDGE_RATE_LIMIT_USER_PER_S=1000000 EDGE_RATE_LIMIT_USER_BURST=1000000
# One user's jobs run 8 at a time by default (JOBS_MAX_RUNNING_PER_USER, fairness between users):
# the 32 in flight here stand for many users' jobs.
export JOBS_MAX_RUNNING_PER_USER=64
export AUTH_FIRST_ADMIN_EMAIL=bench-admin@imageswiss.local
url="$("$root/compose/stack" up | tail -n 1)"
trap '"$root/compose/stack" down >/dev/null 2>&1 || true' EXIT
set -a; source "$root/compose/stack.env"; set +a
data="${IMAGESWISS_DATA:-$root/compose/.data}"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The free tier's daily cap would stop a benchmark's hundreds of jobs.
as_pg "$pgbin/psql" -h "$data/pg" -p "$POSTGRES_PORT" -U postgres -d imageswiss_billing -qAt \
  -c "UPDATE tiers SET daily_cap = 1000000000" >/dev/null
python3 "$here/latency.py" "$url" "$jobs"
