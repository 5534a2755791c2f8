# Shared by the shell benchmarks (sourced): starts the release server with a frozen clock,
# mints a pool of distinct idTokens, and measures a wrk run by the server's own CPU time.
# The server runs in a fresh temporary folder, so it uses the defaults embedded in the binary.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${BENCH_BIN:-$root/target/release/dfns-mock}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=${BENCH_PORT:-$(free_port)}
clock=2026-06-08T12:00:00Z
base=http://127.0.0.1:$port
work=$(mktemp -d)
ticks_per_sec=$(getconf CLK_TCK)

# Starts the server (logging as by default, to a file), under the command in $BENCH_WRAP
# if set, and waits for its health endpoint.
start_server() {
  # shellcheck disable=SC2086
  (cd "$work" && exec ${BENCH_WRAP:-} "$bin" serve --port "$port" --clock "$clock" --log-format json >"$work/server.log" 2>&1) &
  server=$!
  trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 400); do
    kill -0 "$server" 2>/dev/null || break
    curl -fs "$base/__mock/health" >/dev/null && return
    sleep 0.05
  done
  echo "the server did not start on port $port:" >&2
  cat "$work/server.log" >&2
  exit 1
}

# The server's resident set, in MB.
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$server/status"; }

# The server's user + system CPU time so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }

# The same, as "USER SYSTEM".
cpu_split() { awk '{ print $14, $15 }' "/proc/$server/stat"; }

# Mints $1 distinct idTokens through POST /oidc/token into $work/tokens (one per line).
mint_pool() {
  python3 "$root/bench/token_pool.py" "$base" "$1" "$work/tokens"
  export BENCH_TOKENS=$work/tokens
}

# Runs wrk with the given arguments and prints one line: requests, req/s, p99, non-2xx,
# server CPU µs per request (and its user and system parts: system is mostly loopback TCP
# and scheduling) and the machine's load.
measure() {
  local label=$1 before after out requests
  shift
  before=$(cpu_split)
  out=$(wrk --latency "$@")
  after=$(cpu_split)
  requests=$(awk '/requests in/ { print $1 }' <<<"$out")
  awk -v label="$label" -v requests="$requests" -v before="$before" -v after="$after" \
    -v hz="$ticks_per_sec" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
    /Requests\/sec/ { rps = $2 }
    $1 == "99%" { p99 = $2 }
    /Non-2xx/ { non2xx = $NF }
    END {
      split(before, b, " "); split(after, a, " ")
      per = 1e6 / hz / requests; usr = (a[1] - b[1]) * per; sys = (a[2] - b[2]) * per
      printf "%-44s %9d req %9.0f req/s  p99 %8s  non-2xx %d  server CPU %6.1f µs/req (user %.1f, system %.1f)  load %s\n",
             label, requests, rps, p99, non2xx, usr + sys, usr, sys, load
    }' <<<"$out"
}
