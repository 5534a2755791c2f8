#!/usr/bin/env bash
# Resident memory of the release server: idle after start-up, then after N (default 100,000)
# POST /auth/registration/social with a pool of 10,000 distinct idTokens in 1,000 sessions
# (wrk -t1 -c64, so at most 63 more requests may be in flight when it stops).
# Needs wrk (apt-get install wrk). Usage: bash bench/memory.sh [REGISTRATIONS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
registrations=${1:-100000}
start_server
echo "idle RSS: $(rss_mb) MB   load $(cut -d' ' -f1-3 /proc/loadavg)"
mint_pool 10000
echo "after minting 10,000 tokens: $(rss_mb) MB"
before=$(cpu_ticks)
BENCH_REQUESTS=$registrations wrk -t1 -c64 -d1h -s "$root/bench/registration.lua" \
  "$base/auth/registration/social"
echo "server CPU $(( (($(cpu_ticks) - before) * 1000000 / ticks_per_sec) / registrations )) µs per registration"
echo "RSS after $registrations registrations in 1,000 sessions: $(rss_mb) MB   load $(cut -d' ' -f1-3 /proc/loadavg)"
