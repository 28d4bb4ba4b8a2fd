"""Slack webhook acknowledgement latency over real HTTP on loopback, with the jobs it queues running behind it.

Each request is a signed Events API message (thread replies in a linked channel); the endpoint verifies the
signature, stores the event once and queues its handling (ingest, then assessment) for the worker threads.

Run: python -m bench.webhook_bench [--events 2000] [--concurrency 4] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from pydantic import SecretStr

from api.app import create_app
from api.bootstrap import build
from api.settings import Settings
from bench.ingest_bench import WORDS, free_port
from connectors.slack.verify import sign
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from workflow.connectors import SourceLink, link_source
from workflow.people import create_community

SECRET = "bench-signing-secret"


def event(i: int, now: int) -> bytes:
    root = f"{now - 3600 + (i // 8) * 8}.000000"
    ts = f"{now - 3600 + i}.{i:06d}"
    text = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 30))
    body = {
        "team_id": "TBENCH",
        "type": "event_callback",
        "event_id": f"Ev{i:08d}",
        "event_time": now,
        "event": {
            "type": "message",
            "channel": "CBENCH",
            "user": f"U{i % 50:04d}",
            "text": text,
            "ts": ts,
            "channel_type": "channel",
            **({"thread_ts": root} if ts.split(".")[0] != root.split(".")[0] else {}),
        },
    }
    return json.dumps(body).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="job worker threads running behind the endpoint")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            slack_signing_secret=SecretStr(SECRET),  # type: ignore[call-arg]
            job_workers=args.workers,
            pii_scan=False,
            quiet_hours="",
        )
        tacit = build(settings, embedder=HashingEmbedder(), index=InMemoryIndex())
        create_community(tacit.services, community_id="bench", name="Bench")
        link_source(tacit.services, link=SourceLink("bench", "slack", "TBENCH", "CBENCH", False, False))
        tacit.start()
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(tacit, manage_runner=False), port=port, log_level="error"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/v1/webhooks/slack"
        now = int(time.time())
        bodies = [event(i, now) for i in range(args.events)]
        latencies: list[float] = []
        backlog: list[int] = []
        local = threading.local()

        def one(body: bytes) -> None:
            client = getattr(local, "client", None) or httpx.Client(timeout=30)
            local.client = client
            stamp = int(time.time())
            headers = {
                "X-Slack-Request-Timestamp": str(stamp),
                "X-Slack-Signature": sign(SECRET, body, stamp),
                "Content-Type": "application/json",
            }
            t = time.perf_counter()
            response = client.post(url, content=body, headers=headers)
            latencies.append(time.perf_counter() - t)
            response.raise_for_status()
            backlog.append(tacit.runner.pending())

        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(one, bodies))
        sent_s = time.perf_counter() - started
        drained = tacit.runner.wait_idle(timeout=600)
        total_s = time.perf_counter() - started
        server.should_exit = True
        latencies.sort()

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

        print(
            f"webhook: {args.events} signed Slack events over HTTP, {args.concurrency} concurrent senders, "
            f"{args.workers} job workers, SQLite"
        )
        print(
            f"  ack latency     p50 {pct(0.50):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms, "
            f"max {latencies[-1] * 1000:.1f} ms   (target p99 < 100 ms)"
        )
        print(
            f"  jobs behind     up to {max(backlog)} pending while acknowledging; "
            f"acks done in {sent_s:.1f} s, jobs drained {'in' if drained else 'NOT within'} {total_s:.1f} s "
            f"({tacit.runner.stats.done} jobs, {tacit.runner.stats.failed} failed)"
        )
        tacit.stop()


if __name__ == "__main__":
    main()
