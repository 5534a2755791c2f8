#!/usr/bin/env bash
# Instructions the server executes per request, counted by valgrind's callgrind (the same on
# a loaded machine): 3,000 POST /auth/registration/social over a pool of 200 idTokens in 200
# sessions, then 3,000 GET /__mock/health on one connection. Where they go:
# callgrind_annotate --inclusive=yes on the two files it names.
# Needs valgrind and wrk (apt-get install valgrind wrk). Usage: bash bench/instructions.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
out=${BENCH_OUT:-$root/target/callgrind}
mkdir -p "$out"
BENCH_WRAP="valgrind --tool=callgrind --callgrind-out-file=$out/callgrind.out" start_server
mint_pool 200
count() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'; }
callgrind_control -z "$server" >/dev/null 2>&1
BENCH_REQUESTS=3000 BENCH_SESSIONS=200 wrk -t1 -c8 -d1h -s "$root/bench/registration.lua" \
  "$base/auth/registration/social" >/dev/null
callgrind_control -d registration "$server" >/dev/null 2>&1
callgrind_control -z "$server" >/dev/null 2>&1
python3 - "$base" <<'PY'
import http.client, sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
conn = http.client.HTTPConnection(url.hostname, url.port)
for _ in range(3000):
    conn.request("GET", "/__mock/health")
    conn.getresponse().read()
PY
callgrind_control -d health "$server" >/dev/null 2>&1
for part in registration health; do
  file=$(ls "$out"/callgrind.out.*  | xargs grep -l "^desc: Trigger: dump $part$" | head -1)
  echo "$part: $(( $(count "$file") / 3000 )) instructions per request ($file)"
done
