"""Slash-command acknowledgement latency over real HTTP on loopback, with the search jobs it queues running behind
it, next to the events endpoint (the anchor) measured in the same run on the same server.

`/tacit <question>` is verified on the raw body, parsed and queued; the job searches the published guides as the
user and answers through the response_url. Slack's Web API and response_url are an in-process httpx transport
(nothing leaves the machine); guides come from the bench's own threads, embedded with the hashing embedder.

Run: python -m bench.slack_bench [--requests 1000] [--concurrency 4] [--workers 1] [--guides 30]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import uvicorn
from pydantic import SecretStr

from api.app import create_app
from api.bootstrap import Tacit, build
from api.settings import Settings
from bench.ingest_bench import WORDS, free_port
from bench.webhook_bench import event
from connectors.slack.client import SlackClient
from connectors.slack.verify import sign
from elicitor.model import Role
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from store.records import IncomingMessage
from workflow import guides
from workflow.connectors import SourceLink, link_identity, link_source
from workflow.ingest import ingest_messages
from workflow.people import add_person, create_community

SECRET = "bench-signing-secret"


def slack_stub(request: httpx.Request) -> httpx.Response:
    """Slack's Web API and response_url, answering ok at once."""
    return httpx.Response(200, json={"ok": True, "channel": "DBENCH", "ts": "1.1", "view": {"id": "V1"}})


def seed_guides(tacit: Tacit, count: int) -> None:
    """Published guides in the bench community, each drafted from a thread and approved by its expert."""
    services = tacit.services
    expert = add_person(services, handle="bench-expert", community_id="bench", role=Role.EXPERT)
    now = services.clock() - timedelta(hours=1)
    threads = set()
    for n in range(count):
        words = " ".join(WORDS[(n * k) % len(WORDS)] for k in range(1, 12))
        question = IncomingMessage(f"q{n}", f"t{n}", "bench-asker", f"How do I {words}?", now, f"About {words}")
        answer = IncomingMessage(
            f"a{n}",
            f"t{n}",
            "bench-expert",
            f"Because {words}, do it this way. Watch out for {words}.",
            now,
            parent=f"q{n}",
        )
        result = ingest_messages(services, community_id="bench", batch=[question, answer])
        with services.uow() as uow:
            message = uow.messages.get(result.new_message_ids[0])
            threads.add(message.thread_id if message else "")
    tacit.runner.wait_idle(timeout=600)
    for thread_id in sorted(threads - {""}):
        draft = guides.synthesize_guide(services, thread_id=thread_id, reviewer_id=expert.id)
        if draft is not None:
            guides.approve(services, person_id=expert.id, guide_id=draft.id)
    tacit.runner.wait_idle(timeout=600)


def command(i: int) -> bytes:
    text = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 8))
    fields = {
        "token": "bench",
        "team_id": "TBENCH",
        "channel_id": "CBENCH",
        "user_id": f"U{i % 50:04d}",
        "command": "/tacit",
        "text": text,
        "response_url": f"https://hooks.slack.com/commands/TBENCH/{i}/bench",
        "trigger_id": f"{i}.bench",
    }
    return urlencode(fields).encode()


def measure(
    url: str, bodies: list[bytes], content_type: str, concurrency: int, pending: Callable[[], int]
) -> tuple[list[float], int]:
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
            "Content-Type": content_type,
        }
        t = time.perf_counter()
        response = client.post(url, content=body, headers=headers)
        latencies.append(time.perf_counter() - t)
        response.raise_for_status()
        backlog.append(pending())

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, bodies))
    return sorted(latencies), max(backlog)


def pct(latencies: list[float], p: float) -> float:
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="job worker threads running behind the endpoints")
    parser.add_argument("--guides", type=int, default=30)
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
        stub = httpx.Client(transport=httpx.MockTransport(slack_stub))
        tacit.services.channels = (SlackClient(stub, "xoxb-bench", "https://slack.bench/api"),)
        create_community(tacit.services, community_id="bench", name="Bench")
        link_source(tacit.services, link=SourceLink("bench", "slack", "TBENCH", "CBENCH", False, False))
        tacit.start()
        seed_guides(tacit, args.guides)
        for n in range(0, 50, 2):  # half the users are linked members, half search as strangers
            add_person(tacit.services, handle=f"reader{n}", community_id="bench", role=Role.MEMBER)
            link_identity(
                tacit.services, handle=f"reader{n}", platform="slack", workspace="TBENCH", user_id=f"U{n:04d}"
            )
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(tacit, manage_runner=False), port=port, log_level="error"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}/v1/webhooks/slack"
        now = int(time.time())
        done_before = tacit.runner.stats.done
        events, events_backlog = measure(
            base,
            [event(i, now) for i in range(args.requests)],
            "application/json",
            args.concurrency,
            tacit.runner.pending,
        )
        started = time.perf_counter()
        commands, commands_backlog = measure(
            f"{base}/commands",
            [command(i) for i in range(args.requests)],
            "application/x-www-form-urlencoded",
            args.concurrency,
            tacit.runner.pending,
        )
        drained = tacit.runner.wait_idle(timeout=900)
        total_s = time.perf_counter() - started
        server.should_exit = True
        stats = tacit.runner.stats
        answered = stats.by_job.get("slack_command", 0)
        print(
            f"slack: {args.requests} signed requests per endpoint over HTTP, {args.concurrency} concurrent senders, "
            f"{args.workers} job workers, {args.guides} published guides, SQLite"
        )
        for name, lat, backlog in (
            ("events (anchor)", events, events_backlog),
            ("/tacit command", commands, commands_backlog),
        ):
            print(
                f"  {name:<16} ack p50 {pct(lat, 0.50):.1f} ms, p95 {pct(lat, 0.95):.1f} ms, "
                f"p99 {pct(lat, 0.99):.1f} ms, max {lat[-1] * 1000:.1f} ms; up to {backlog} jobs pending"
            )
        print(
            f"  command p99 / events p99 = {pct(commands, 0.99) / pct(events, 0.99):.2f}   (target: command p99 < 100 ms)"
        )
        print(
            f"  jobs behind: {answered} slash-command searches answered, {stats.done - done_before} jobs in all, "
            f"{stats.failed} failed; drained {'in' if drained else 'NOT within'} {total_s:.1f} s after the commands began"
        )
        tacit.stop()


if __name__ == "__main__":
    main()
