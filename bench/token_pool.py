#!/usr/bin/env python3
"""Mints distinct idTokens through the issuer's POST /oidc/token, one per line.

Token i is for bench-<i>@example.com. Two keep-alive connections in parallel; the server
signs. Usage: python3 bench/token_pool.py BASE_URL COUNT OUT_FILE
"""
import http.client
import json
import sys
import threading
import urllib.parse

base, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
url = urllib.parse.urlsplit(base)
tokens = [None] * count


def mint(worker, workers):
    conn = http.client.HTTPConnection(url.hostname, url.port)
    for i in range(worker, count, workers):
        body = json.dumps({"email": f"bench-{i}@example.com"})
        conn.request("POST", "/oidc/token", body, {"content-type": "application/json"})
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            raise SystemExit(f"/oidc/token answered {response.status}: {answer!r}")
        tokens[i] = json.loads(answer)["id_token"]


threads = [threading.Thread(target=mint, args=(w, 2)) for w in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if any(t is None for t in tokens):
    raise SystemExit("some tokens were not minted")
with open(out, "w") as f:
    f.write("\n".join(tokens) + "\n")
