#!/usr/bin/env bash
# Throughput of the release server on this machine (wrk from Debian's packages), in one run so
# the ratios compare: health (baseline), the happy registration path (RS256 verify, EdDSA sign,
# session lock) and a scripted error (scenario engine). Usage: bash bench/throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/dfns-mock
port=18080
RUST_LOG=${RUST_LOG:-info} "$bin" serve --port "$port" --clock 2026-06-08T12:00:00Z --log-format json >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/__mock/health" >/dev/null && break; sleep 0.1; done
export DFNS_MOCK_BENCH_TOKEN
DFNS_MOCK_BENCH_TOKEN=$("$bin" token --port "$port" --clock 2026-06-08T12:00:00Z)
run() { wrk -t2 -c64 -d10s "$@" | grep -E "Requests/sec|Latency"; }
echo "GET /__mock/health";                         run "http://127.0.0.1:$port/__mock/health"
echo "POST /auth/registration/social (happy)";     run -s bench/registration.lua "http://127.0.0.1:$port/auth/registration/social"
echo "POST /auth/registration/social (server-error scenario)"
DFNS_MOCK_BENCH_SCENARIO=server-error run -s bench/registration.lua "http://127.0.0.1:$port/auth/registration/social"
