#!/usr/bin/env python3
"""Start-up time of dfns-mock: process start to the first answered request.

Spawns the binary N times on a free port, in an empty temporary folder (so with the
fixtures and scenarios embedded in the binary), polls GET /__mock/health over a fresh TCP
connection every 0.5 ms, and reports the distribution of the time from spawn to the first
200. Usage: python3 bench/startup.py [BINARY] [RUNS]
"""
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/dfns-mock")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def once():
    port = free_port()
    start = time.perf_counter()
    child = subprocess.Popen([binary, "serve", "--port", str(port)], cwd=empty,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if time.perf_counter() - start > 10:
                raise RuntimeError("no answer within 10 s")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/__mock/health")
                if conn.getresponse().status == 200:
                    return time.perf_counter() - start
            except OSError:
                time.sleep(0.0005)
    finally:
        child.terminate()
        child.wait()


with tempfile.TemporaryDirectory() as empty:
    samples = sorted(once() * 1000 for _ in range(runs))
print(f"runs={runs} min={samples[0]:.1f}ms median={statistics.median(samples):.1f}ms "
      f"p90={samples[int(runs * 0.9) - 1]:.1f}ms max={samples[-1]:.1f}ms")
