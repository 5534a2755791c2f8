#!/usr/bin/env python3
"""Resident memory of dfns-mock while clients keep inventing session keys.

Starts the binary with `sessions.max_live` = CAP, then sends ROUNDS rounds of KEYS requests,
each under a session key never used before (`POST /auth/login/init {}`, which makes a session
with its state, a request-id counter, a challenge token in its ledger and a journal entry),
over one kept-alive connection, and prints the process's VmRSS after each round. Once the cap
and the journal's bounds are reached, RSS stays flat however many keys follow.
Usage: python3 bench/rss.py [BINARY] [CAP (0: the default)] [ROUNDS] [KEYS]
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import time

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/dfns-mock"
cap = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 8
keys = int(sys.argv[4]) if len(sys.argv) > 4 else 10_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


port = free_port()
env = dict(os.environ, RUST_LOG="warn")
if cap:  # 0: the binary's default (and what a binary without the setting does)
    env["DFNS_MOCK_SESSIONS__MAX_LIVE"] = str(cap)
child = subprocess.Popen(
    [binary, "serve", "--port", str(port), "--clock", "2026-06-08T12:00:00Z"],
    env=env,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
try:
    for _ in range(200):
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            probe.request("GET", "/__mock/health")
            if probe.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.05)
    else:
        raise RuntimeError("the server did not start")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"orgId": "or-30tnh-itmjs-s235s5ontr3r23h2"})
    print(f"cap {cap} sessions; idle RSS {rss_kib(child.pid) / 1024:.1f} MiB")
    sent = 0
    for round_ in range(1, rounds + 1):
        started = time.perf_counter()
        for _ in range(keys):
            sent += 1
            conn.request(
                "POST",
                "/auth/login/init",
                body,
                {"content-type": "application/json", "x-dfns-mock-session": f"rss-{sent}"},
            )
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
        took = time.perf_counter() - started
        print(
            f"after {sent:>7} session keys: RSS {rss_kib(child.pid) / 1024:6.1f} MiB"
            f"  ({keys / took:,.0f} req/s this round)"
        )
    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    probe.request("GET", "/__mock/sessions")
    live = len(json.loads(probe.getresponse().read())["sessions"])
    print(f"live sessions at the end: {live} (cap {cap})")
finally:
    child.terminate()
    child.wait()
