#!/bin/sh
# A backend-like neighbour of dfns-mock in the compose stack, in busybox sh + wget. It calls
# the mock by its service name ($DFNS_API_URL, http://dfns-mock:8080):
#   client.sh serve           register a user on start, then serve the answer on :3000
#   client.sh mint EMAIL      print an id token minted through the service name
#   client.sh register TOKEN  register with TOKEN through the service name; print the answer
# Your own app (a backend with the Dfns SDK, a page server) takes its place the same way.
set -eu
MOCK="${DFNS_API_URL:-http://dfns-mock:8080}"

post() {
  wget -q -O - --header 'Content-Type: application/json' --post-data "$2" "$MOCK$1"
}

mint() {
  post /oidc/token "{\"email\":\"$1\"}" | sed -n 's/.*"id_token":"\([^"]*\)".*/\1/p'
}

register() {
  post /auth/registration/social "{\"socialLoginProviderKind\":\"Oidc\",\"idToken\":\"$1\"}"
}

case "${1:-serve}" in
  mint) mint "$2" ;;
  register) register "$2" ;;
  serve)
    # Compose starts this once the mock is healthy (depends_on: service_healthy); runtimes
    # that only order the start are covered by waiting here too.
    until wget -q -O /dev/null "$MOCK/__mock/health"; do sleep 0.5; done
    answer=$(register "$(mint compose@example.com)")
    mkdir -p /tmp/www
    printf '<!doctype html><title>dfns-mock client</title><pre>%s</pre>\n' "$answer" >/tmp/www/index.html
    echo "registered through $MOCK: $answer"
    exec httpd -f -p 3000 -h /tmp/www
    ;;
  *) echo "usage: client.sh [serve | mint EMAIL | register TOKEN]" >&2; exit 2 ;;
esac
