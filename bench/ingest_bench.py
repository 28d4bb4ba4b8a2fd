"""Ingest throughput through the batch endpoint over real HTTP on loopback (assessment excluded: workers off).

Run: python -m bench.ingest_bench [--messages 20000] [--batch 500]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn

from api.app import create_app
from api.bootstrap import build
from api.settings import Settings
from elicitor.model import Role
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from workflow.people import add_person, create_community, create_token

WORDS = (
    "index",
    "query",
    "tenant",
    "cache",
    "deploy",
    "lock",
    "replica",
    "limit",
    "latency",
    "queue",
    "retry",
    "timeout",
    "schema",
    "migration",
    "cluster",
    "node",
    "pod",
    "budget",
    "alert",
    "rollout",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def messages(n: int, start: int) -> list[dict]:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    out = []
    for i in range(start, start + n):
        thread = i // 8
        text = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 30))
        out.append(
            {
                "external_id": f"m{i}",
                "thread": f"t{thread}",
                "author": f"user{i % 50}",
                "parent": f"m{thread * 8}" if i % 8 else None,
                "text": text,
                "created_at": (t0 + timedelta(seconds=i)).isoformat(),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))  # type: ignore[call-arg]
        tacit = build(settings, embedder=HashingEmbedder(), index=InMemoryIndex())
        create_community(tacit.services, community_id="bench", name="Bench")
        add_person(tacit.services, handle="steward", community_id="bench", role=Role.STEWARD)
        token = create_token(tacit.services, handle="steward")
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(tacit, manage_runner=False), port=port, log_level="error"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        headers = {"Authorization": f"Bearer {token}"}
        url = f"http://127.0.0.1:{port}/v1/communities/bench/messages"
        latencies = []
        with httpx.Client(headers=headers, timeout=60) as client:
            started = time.perf_counter()
            for start in range(0, args.messages, args.batch):
                body = {"messages": messages(min(args.batch, args.messages - start), start)}
                t = time.perf_counter()
                response = client.post(url, json=body)
                latencies.append(time.perf_counter() - t)
                response.raise_for_status()
            elapsed = time.perf_counter() - started
        server.should_exit = True
        latencies.sort()
        print(f"ingest: {args.messages} messages in batches of {args.batch} over HTTP, SQLite, assessment excluded")
        print(f"  throughput      {args.messages / elapsed:8.0f} messages/s   (target >= 500)")
        print(
            f"  batch latency   p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
        )
        tacit.services.db.dispose()


if __name__ == "__main__":
    main()
