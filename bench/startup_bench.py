"""Time from `tacit serve` (a fresh process, embedded defaults) to the first answered request.

Run: python -m bench.startup_bench [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run() -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TACIT_DATA_DIR": tmp, "TACIT_PORT": str(port), "TACIT_LOG_LEVEL": "WARNING"}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while time.perf_counter() - started < 120:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    time.sleep(0.05)
            raise RuntimeError("tacit serve did not answer within 120 s")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = [one_run() for _ in range(args.runs)]
    print(f"startup: `tacit serve` to first answered request, {args.runs} runs on a fresh data folder")
    print(f"  median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
