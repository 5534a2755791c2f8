#!/usr/bin/env bash
# Proves docker-compose.yml with real containers: builds the images of the Dockerfile and
# compose/client/Dockerfile with podman, brings the stack up with podman-compose, waits for
# the mock to be healthy, crosses tokens between the published host port and the service
# name both ways, checks the health status and a clean SIGTERM stop, and tears down.
#
# Base images cannot be pulled here, so the bases come from this machine: the Dockerfile's
# build stage is replaced by an image holding the host-built release binary (BUILDER) and
# its distroless base by a FROM scratch image with the libraries the binary links (RUNTIME);
# the client's busybox by a FROM scratch image of Debian's static busybox. Everything after
# the FROM lines is the Dockerfiles' own. Usage: scripts/compose-proof.sh (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s.%N)
say() { printf 'compose-proof: %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }

need=()
for tool in podman:podman podman-compose:podman-compose runc:runc busybox:busybox-static curl:curl; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d)
project=dfnsproof$$
# runc and explicit limits: what podman needs to run containers on these machines.
cat >"$work/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF="$work/containers.conf"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# A remapped host port (not 8080): the case fake identity providers most often get wrong.
export DFNS_MOCK_HOST_PORT=$(free_port) CLIENT_HOST_PORT=$(free_port)
compose() { podman-compose -p "$project" -f docker-compose.yml "$@"; }
cleanup() {
  compose down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

say "building the release binary"
cargo build --release --locked --quiet
built=$(date +%s.%N)
binary=target/release/dfns-mock

say "making the base images from this machine"
mkdir -p "$work/builder/src/target/release" "$work/runtime/home/nonroot" "$work/runtime/tmp" "$work/busybox/bin"
cp "$binary" "$work/builder/src/target/release/dfns-mock"
# The shared libraries the binary links (what distroless/cc provides), at their paths.
for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
  mkdir -p "$work/runtime$(dirname "$lib")"
  cp -L "$lib" "$work/runtime$lib"
done
chown 65532:65532 "$work/runtime/home/nonroot"
chmod 1777 "$work/runtime/tmp"
cp "$(command -v busybox)" "$work/busybox/bin/busybox"
for applet in sh wget httpd sed mkdir printf sleep cat; do ln -s busybox "$work/busybox/bin/$applet"; done
mkdir -p "$work/busybox/tmp" && chmod 1777 "$work/busybox/tmp"
for base in builder runtime busybox; do
  printf 'FROM scratch\nCOPY . /\n' >"$work/$base/Containerfile"
  podman build -q -t "localhost/proof-$base" -f "$work/$base/Containerfile" "$work/$base" >/dev/null
done

say "building the Dockerfiles"
podman build -q --format docker -t localhost/dfns-mock:latest \
  --build-arg BUILDER=localhost/proof-builder --build-arg RUNTIME=localhost/proof-runtime . >/dev/null
podman build -q --format docker -t localhost/dfns-mock-client:latest \
  --build-arg BASE=localhost/proof-busybox compose/client >/dev/null
size=$(podman image inspect localhost/dfns-mock:latest --format '{{.Size}}')
say "image localhost/dfns-mock: $((size / 1000000)) MB"
[[ $(podman image inspect localhost/dfns-mock:latest --format '{{.Config.User}}') == 65532:65532 ]] \
  || fail "the image does not run as the non-root user"

say "bringing the stack up"
compose up -d >"$work/up.log" 2>&1 || { cat "$work/up.log"; fail "podman-compose up"; }
mock="${project}_dfns-mock_1"
client="${project}_client_1"

# podman runs health checks from systemd timers; without systemd, run them here, as the
# timer would, until the container reports healthy.
health=starting
for _ in $(seq 60); do
  podman healthcheck run "$mock" >/dev/null 2>&1 || true
  health=$(podman inspect "$mock" --format '{{.State.Health.Status}}')
  [[ $health == healthy ]] && break
  sleep 0.5
done
[[ $health == healthy ]] || { podman logs "$mock"; fail "the mock is $health"; }
say "dfns-mock is healthy"

host="http://127.0.0.1:$DFNS_MOCK_HOST_PORT"
post() { curl -sS -o "$work/body" -w '%{http_code}' -H 'content-type: application/json' -d "$2" "$host$1"; }
iss() { python3 -c 'import base64, json, sys; p = sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["iss"])' "$1"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

# The client registered through the service name on its own start.
for _ in $(seq 40); do
  curl -fsS "http://127.0.0.1:$CLIENT_HOST_PORT/" -o "$work/page" 2>/dev/null && break
  sleep 0.5
done
grep -q '"us-' "$work/page" 2>/dev/null || { podman logs "$client"; fail "the client did not register on start"; }
say "client registered through http://dfns-mock:8080 on start"

# Host port → service name.
[[ $(post /oidc/token '{"email":"host@example.com"}') == 200 ]] || fail "mint through the host port"
from_host=$(sed -n 's/.*"id_token":"\([^"]*\)".*/\1/p' "$work/body")
[[ $(iss "$from_host") == "$host/oidc" ]] || fail "iss of the host token: $(iss "$from_host")"
podman exec "$client" sh /app/client.sh register "$from_host" | grep -q '"us-' \
  || fail "a token minted at $host was refused at http://dfns-mock:8080"
say "token minted at $host accepted at http://dfns-mock:8080"

# Service name → host port.
from_service=$(podman exec "$client" sh /app/client.sh mint service@example.com)
[[ $(iss "$from_service") == "http://dfns-mock:8080/oidc" ]] || fail "iss of the service token: $(iss "$from_service")"
code=$(post /auth/registration/social "{\"socialLoginProviderKind\":\"Oidc\",\"idToken\":\"$from_service\"}")
[[ $code == 200 ]] || { cat "$work/body"; fail "a token minted at http://dfns-mock:8080 was refused at $host ($code)"; }
say "token minted at http://dfns-mock:8080 accepted at $host"

# A foreign issuer is still refused.
[[ $(post /auth/registration/social '{"socialLoginProviderKind":"Oidc","idToken":"e30.e30.e30"}') == 401 ]] \
  || fail "a malformed token was not refused"

say "stopping the mock with SIGTERM"
stop_start=$(date +%s.%N)
podman kill --signal TERM "$mock" >/dev/null 2>&1
code=$(timeout 10 podman wait "$mock" 2>/dev/null || echo "still running")
stop_secs=$(elapsed "$stop_start")
[[ $code == 0 ]] || fail "the mock exited with $code after SIGTERM"
awk -v s="$stop_secs" 'BEGIN { exit !(s < 2) }' || fail "the mock took ${stop_secs}s to stop"
say "stopped cleanly (exit 0) in ${stop_secs}s"

compose down >/dev/null 2>&1
total=$(elapsed "$started")
say "ok in ${total}s ($(elapsed "$built")s after the build): image $((size / 1000000)) MB, healthy, tokens crossed both ways, clean stop"
