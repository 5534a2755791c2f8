#!/usr/bin/env bash
# schemathesis (PyPI) against the real binary, over the OpenAPI document it serves: the
# server starts on a free port with its bundled defaults (from an empty folder), a session
# token of the bundled fixture user is passed so the signed-in endpoints are reached too,
# and every generated request's answer must be no 5xx, a documented status, a documented
# content type, the documented headers (X-Request-ID, Location) and a body that fits the
# documented schema. Exits non-zero on any failure.
#
#   bash scripts/schemathesis.sh [path/to/dfns-mock]      # default target/debug/dfns-mock
#
# Builds nothing: run `cargo build` first. SCHEMATHESIS_EXAMPLES (default 20) bounds the
# test cases per operation, SCHEMATHESIS_SEED (default 1) fixes the generated data.
set -euo pipefail
repo=$(realpath "$(dirname "$0")/..")
bin=$(realpath "${1:-$repo/target/debug/dfns-mock}")
VERSION=4.32.5
[ -x "$bin" ] || { echo "schemathesis.sh: no binary at $bin (run cargo build first)" >&2; exit 2; }

# Through the interpreter, so a fresh install needs no PATH (or pyenv shim) update.
schemathesis() { python3 -m schemathesis.cli "$@"; }
if [ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$VERSION" ]; then
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "schemathesis==$VERSION"
fi

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# An empty working directory: the fixtures and scenarios compiled into the binary.
(cd "$work" && exec "$bin" serve --port 0 --seed schemathesis >"$work/server.log" 2>&1) &
server=$!
base=""
for _ in $(seq 100); do
  base=$(grep -o 'listening on http://[0-9.:]*' "$work/server.log" | head -1 | sed 's/listening on //') || true
  [ -n "$base" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "schemathesis.sh: the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

# One session, the normal answers (a generated scenario name would be a 400 on every Dfns
# call), and the bundled fixture user (fixtures/users.yaml) signed in socially in it: its
# session token reaches the signed-in endpoints.
session="X-Dfns-Mock-Session: schemathesis"
id_token=$(curl -sf "$base/oidc/token" -H 'content-type: application/json' -H "$session" \
  -d '{"email":"registered@example.com"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id_token"])')
token=$(curl -sf "$base/auth/login/social" -H 'content-type: application/json' -H "$session" \
  -d "{\"socialLoginProviderKind\":\"Oidc\",\"idToken\":\"$id_token\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# From the empty folder: schemathesis keeps its cache in the working directory. One worker:
# with two, Hypothesis's shared caches once raised a FlakyFailure inside schemathesis's own
# generator on a loaded machine (no request involved), failing the run.
cd "$work"
fuzz() {
  schemathesis run "$base/__mock/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" \
    --seed "${SCHEMATHESIS_SEED:-1}" \
    --workers 1 \
    --request-timeout 30 \
    --header "Authorization: Bearer $token" \
    --header "$session" \
    --header "X-Dfns-Mock-Scenario: happy" \
    --generation-database none \
    --no-color \
    "$@"
}
# Logout ends the token the other operations are signed in with: it goes last, alone.
fuzz --exclude-path /auth/logout
fuzz --include-path /auth/logout
