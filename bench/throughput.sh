#!/usr/bin/env bash
# Throughput of the release server, in one run so the figures compare: GET /__mock/health
# (the serving stack alone), then POST /auth/registration/social with a pool of distinct
# idTokens over 1,000 sessions (RS256 idToken verification, EdDSA temporary token, session
# state, journal), then the same with a scripted error (scenario engine), then all in one
# session (whose capped maps fill: a full map must forget its oldest entry in O(1)). wrk -t2 -c64, 10 s
# each; server CPU per request from /proc/PID/stat; last, registration against health in the
# same run (throughput share and CPU ratio). Needs wrk (apt-get install wrk).
# Usage: bash bench/throughput.sh [POOL_SIZE]   (default 10000 tokens)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pool=${1:-10000}
start_server
mint_pool "$pool"
wrk_args=(-t2 -c64 -d10s)
echo "$(nproc) cores, $(uptime)"
health=$(measure "GET /__mock/health" "${wrk_args[@]}" "$base/__mock/health")
echo "$health"
registration=$(measure "POST /auth/registration/social ($pool tokens)" "${wrk_args[@]}" \
  -s "$root/bench/registration.lua" "$base/auth/registration/social")
echo "$registration"
BENCH_SCENARIO=server-error measure "  same, server-error scenario" "${wrk_args[@]}" \
  -s "$root/bench/registration.lua" "$base/auth/registration/social"
BENCH_SESSIONS=1 measure "  same, all in one session" "${wrk_args[@]}" \
  -s "$root/bench/registration.lua" "$base/auth/registration/social"
measure "GET /__mock/health (again)" "${wrk_args[@]}" "$base/__mock/health"
# The figures that hold from one sitting to the next: registration against health, same run.
awk -v h="$health" -v r="$registration" 'BEGIN {
  field = "([0-9.]+) req/s"; cpu = "CPU +([0-9.]+) µs"
  match(h, field); hr = substr(h, RSTART, RLENGTH) + 0; match(r, field); rr = substr(r, RSTART, RLENGTH) + 0
  match(h, cpu); hc = substr(h, RSTART + 4, RLENGTH - 4); sub(/ µs/, "", hc)
  match(r, cpu); rc = substr(r, RSTART + 4, RLENGTH - 4); sub(/ µs/, "", rc)
  printf "registration / health, same run: %.1f %% of the throughput, %.2f times the server CPU per request\n", 100 * rr / hr, rc / hc
}'
