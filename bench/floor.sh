#!/usr/bin/env bash
# What the machine adds to a request in the kernel, measured the way bench/throughput.sh
# measures the mock: a bare hyper server (examples/floor.rs: same runtime, two workers, a
# fixed 2 KB answer) that spins for 0, 11, 24 and 50 µs of user time per request, under
# wrk -t2 -c64 for 8 s each, with its user and system CPU per request. Compare with the
# mock's health endpoint and registration in the same sitting.
# Needs wrk (apt-get install wrk). Usage: bash bench/floor.sh [WORK_US ...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cargo build --release --quiet --example floor --manifest-path "$root/Cargo.toml"
trap 'kill "${server:-}" 2>/dev/null; rm -rf "$work"' EXIT
works=("$@")
[ ${#works[@]} -gt 0 ] || works=(0 11 24 50)
echo "$(nproc) cores, $(uptime)"
for w in "${works[@]}"; do
  WORK_US=$w "$root/target/release/examples/floor" "$port" &
  server=$!
  for _ in $(seq 100); do curl -fs "$base/" >/dev/null && break; sleep 0.05; done
  wrk -t2 -c64 -d2s "$base/" >/dev/null
  measure "bare hyper, $w µs of work per request" -t2 -c64 -d8s "$base/"
  kill "$server"
  wait "$server" 2>/dev/null || true
done
