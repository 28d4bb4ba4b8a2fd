"""Load test of the whole loop against a served Tacit on loopback: PostgreSQL, procrastinate, mixed traffic.

    python -m bench.loop_load --duration 60 --clients 8       # a short run (the machine is shared)
    python -m bench.loop_load --duration 600 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tacit_scale
    python -m bench.loop_load --duration 0 --sqlite --runner inprocess   # the whole loop only, embedded defaults

Starts `tacit serve` in a fresh process on a throwaway PostgreSQL schema with TACIT_JOB_RUNNER=procrastinate and
TACIT_JOB_WORKERS=2 (with the embedded vector index the serving process runs the queued jobs itself: one writer).
Bounded asyncio + httpx clients then mix, for `--duration` seconds: batch ingest of new threads (a question and a
terse expert answer), searches, inbox reads, replies to follow-up questions and approvals of the drafts they yield.
It prints throughput and p95 per operation, errors (any 5xx, or a 4xx other than the 409 a lost race is owed),
the server's RSS over the run, and then the whole loop's throughput: `--loop-messages` messages through the batch
endpoint until every one is assessed (jobs_pending 0), in messages per second. `--sqlite --runner inprocess` serves
the embedded defaults instead (SQLite in the data folder, the in-process runner), for the same figures side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import ACTIONS, PROBLEMS, REASONS, TOOLS, make_queries  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = "load"
EXPERTS = ("marta", "omar", "ines", "kofi")
LEARNERS = ("lena", "sam", "yuki")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def thread(rng: random.Random, n: int, run: str) -> list[dict]:
    """A question and a terse accepted answer from an expert: what the loop turns into a nudge."""
    tool, problem, action = rng.choice(TOOLS), rng.choice(PROBLEMS), rng.choice(ACTIONS)
    when = datetime.now(UTC) - timedelta(minutes=30)
    tid = f"{run}-t{n}"
    return [
        {
            "external_id": f"{tid}-q",
            "thread": tid,
            "thread_title": f"{tool} {problem}",
            "author": rng.choice(LEARNERS),
            "text": f"Our {tool} setup {problem} since the last deploy. What should we change to fix it?",
            "created_at": when.isoformat(),
        },
        {
            "external_id": f"{tid}-a",
            "thread": tid,
            "parent": f"{tid}-q",
            "author": rng.choice(EXPERTS),
            "text": f"Just {action}.",
            "created_at": (when + timedelta(minutes=5)).isoformat(),
            "score": 4,
            "accepted": True,
        },
    ]


def reply_text(rng: random.Random) -> str:
    tool, action, reason = rng.choice(TOOLS), rng.choice(ACTIONS), rng.choice(REASONS)
    return (
        f"Because {reason}, the default does not hold up once {tool} is under real load. First {action}, then "
        f"watch the error rate for an hour. If it still fails, {rng.choice(ACTIONS)} instead. Watch out: the change "
        "is ignored until the service is reloaded, and a restart during a write can lose the last batch."
    )


def link_model(data_dir: Path, cache: Path) -> None:
    """The ONNX export made once into `cache` and linked into the fresh data folder (it takes seconds to minutes)."""
    from retrieval.embedder import bundled_model_path
    from retrieval.onnx_embedder import ensure_onnx_export

    exported = ensure_onnx_export(bundled_model_path(), cache)
    (data_dir / "models").mkdir(parents=True, exist_ok=True)
    (data_dir / "models" / exported.name).symlink_to(exported)


def setup(database_url: str, data_dir: Path) -> dict[str, str]:
    """The community, its people and their tokens, written straight through the workflow (before serving)."""
    from api.bootstrap import build
    from api.settings import Settings
    from elicitor.model import Role
    from workflow.people import add_person, create_community, create_token

    tacit = build(Settings(_env_file=None, data_dir=data_dir, database_url=database_url, pii_scan=False))  # type: ignore[call-arg]
    services = tacit.services
    create_community(services, community_id=COMMUNITY, name="Load test")
    tokens = {}
    for handle, role in (
        [("priya", Role.STEWARD)] + [(e, Role.EXPERT) for e in EXPERTS] + [(m, Role.MEMBER) for m in LEARNERS]
    ):
        add_person(services, handle=handle, community_id=COMMUNITY, role=role)
        tokens[handle] = create_token(services, handle=handle)
    tacit.stop()
    return tokens


class Stats:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.races = 0

    def record(self, op: str, started: float, response: httpx.Response | None, error: str | None = None) -> None:
        self.ms[op].append((time.perf_counter() - started) * 1000)
        if error is not None:
            self.errors[op].append(error)
        elif response is not None and response.status_code == 409:
            self.races += 1  # two clients approved or replied at once: the loser is told, nothing breaks
        elif response is not None and response.status_code >= 400:
            self.errors[op].append(f"{response.status_code} {response.text[:200]}")


async def client_loop(
    client: httpx.AsyncClient, tokens: dict[str, str], stats: Stats, stop_at: float, seed: int, run: str
) -> None:
    rng = random.Random(seed)
    queries = make_queries(200, rng)
    n = 0
    while time.perf_counter() < stop_at:
        op = rng.choices(("ingest", "search", "inbox", "reply", "approve"), weights=(2, 6, 3, 2, 2))[0]
        started = time.perf_counter()
        try:
            if op == "ingest":
                batch = [m for i in range(10) for m in thread(rng, seed * 1_000_000 + n * 10 + i, run)]
                n += 1
                r = await client.post(
                    f"/v1/communities/{COMMUNITY}/messages", json={"messages": batch}, headers=_as(tokens, "priya")
                )
            elif op == "search":
                r = await client.get(
                    "/v1/search", params={"q": rng.choice(queries)}, headers=_as(tokens, rng.choice(LEARNERS))
                )
            elif op == "inbox":
                r = await client.get("/v1/me/nudges", headers=_as(tokens, rng.choice(EXPERTS)))
            elif op == "reply":
                expert = rng.choice(EXPERTS)
                inbox = await client.get("/v1/me/nudges", headers=_as(tokens, expert))
                waiting = [x for x in inbox.json() if x.get("status") == "open"]
                if not waiting:
                    stats.record("inbox", started, inbox)
                    continue
                nudge = rng.choice(waiting)
                r = await client.post(
                    f"/v1/nudges/{nudge['id']}/reply", json={"text": reply_text(rng)}, headers=_as(tokens, expert)
                )
            else:
                expert = rng.choice(EXPERTS)
                drafts = (await client.get("/v1/me/guides", headers=_as(tokens, expert))).json()
                if not drafts:
                    stats.record("inbox", started, None)
                    continue
                r = await client.post(f"/v1/guides/{rng.choice(drafts)['id']}/approve", headers=_as(tokens, expert))
            stats.record(op, started, r)
        except httpx.HTTPError as error:
            stats.record(op, started, None, f"{type(error).__name__}: {error}")


def _as(tokens: dict[str, str], handle: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[handle]}"}


async def watch_memory(pid: int, stop_at: float, samples: list[tuple[float, float]]) -> None:
    start = time.perf_counter()
    while time.perf_counter() < stop_at:
        samples.append((time.perf_counter() - start, rss_mb(pid)))
        await asyncio.sleep(2)


async def whole_loop(client: httpx.AsyncClient, tokens: dict[str, str], messages: int, run: str) -> float:
    """Messages per second from the first batch sent until every message is assessed.

    Jobs the mixed traffic left queued (drafts, index writes) are waited for first, and how long that took is
    printed: the loop's figure is not the backlog's."""
    drain = time.perf_counter()
    backlog = (await client.get("/healthz")).json()["jobs_pending"]
    while (await client.get("/healthz")).json()["jobs_pending"]:
        await asyncio.sleep(0.2)
    if backlog:
        print(f"backlog: {backlog} jobs left by the mixed traffic, done after {time.perf_counter() - drain:.1f} s")
    rng = random.Random(99)
    batch_threads = 250  # 500 messages per request, under the batch limit
    started = time.perf_counter()
    for b in range(0, messages // 2, batch_threads):
        batch = [m for i in range(batch_threads) for m in thread(rng, 10**9 + b + i, f"{run}-loop")]
        r = await client.post(
            f"/v1/communities/{COMMUNITY}/messages", json={"messages": batch}, headers=_as(tokens, "priya"), timeout=120
        )
        r.raise_for_status()
    sent = time.perf_counter() - started
    while (await client.get("/healthz")).json()["jobs_pending"]:
        await asyncio.sleep(0.2)
    total = time.perf_counter() - started
    print(
        f"whole loop: {messages:,} messages sent in {sent:.1f} s, all assessed after {total:.1f} s: "
        f"{messages / total:,.0f} messages/s (target >= 500)"
    )
    return messages / total


async def drive(args: argparse.Namespace, base: str, tokens: dict[str, str], pid: int) -> int:
    stats = Stats()
    samples: list[tuple[float, float]] = []
    run = uuid.uuid4().hex[:6]
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        stop_at = started + args.duration
        if args.duration <= 0:
            if args.loop_messages:
                await whole_loop(client, tokens, args.loop_messages, run)
            return 0
        await asyncio.gather(
            watch_memory(pid, stop_at, samples),
            *(client_loop(client, tokens, stats, stop_at, seed, run) for seed in range(1, args.clients + 1)),
        )
        elapsed = time.perf_counter() - started
        print(f"mixed traffic: {args.clients} clients for {elapsed:.0f} s against {base}")
        for op, ms in sorted(stats.ms.items()):
            p95 = statistics.quantiles(ms, n=20)[-1] if len(ms) > 1 else ms[0]
            print(
                f"  {op:8} {len(ms) / elapsed:7.1f}/s  p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  "
                f"errors {len(stats.errors[op])}"
            )
        errors = sum(len(v) for v in stats.errors.values())
        print(f"  errors: {errors} (races answered 409: {stats.races})")
        for op, seen in stats.errors.items():
            for e in seen[:3]:
                print(f"    {op}: {e}")
        if samples:
            first, last = samples[min(2, len(samples) - 1)][1], samples[-1][1]
            peak = max(m for _, m in samples)
            print(f"  server RSS: {first:,.0f} MB early, {last:,.0f} MB at the end, peak {peak:,.0f} MB")
        await client.get("/healthz")
        if args.loop_messages:
            await whole_loop(client, tokens, args.loop_messages, run)
    return 1 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of mixed traffic (default 60)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--loop-messages", type=int, default=2000, help="whole-loop run afterwards (0: skip)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TACIT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tacit_scale"),
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite in the data folder instead of PostgreSQL")
    parser.add_argument("--runner", choices=("procrastinate", "inprocess"), default="procrastinate")
    parser.add_argument("--workers", type=int, default=2, help="job workers (TACIT_JOB_WORKERS)")
    parser.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "tacit-bench-models")
    args = parser.parse_args(argv)

    if args.sqlite and args.runner == "procrastinate":
        parser.error("procrastinate needs PostgreSQL: drop --sqlite or pass --runner inprocess")
    schema = f"tacit_load_{uuid.uuid4().hex[:8]}"
    admin = None if args.sqlite else create_engine(args.database_url)
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="tacit-load-") as tmp:
            data = Path(tmp) / "data"
            url = (
                f"sqlite:///{data / 'tacit.db'}"
                if args.sqlite
                else f"{args.database_url}?options=-csearch_path%3D{schema}"
            )
            link_model(data, args.model_cache)
            tokens = setup(url, data)
            port = free_port()
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "TACIT_DATA_DIR": str(data),
                "DATABASE_URL": url,
                "TACIT_JOB_RUNNER": args.runner,
                "TACIT_JOB_WORKERS": str(args.workers),
                "TACIT_PORT": str(port),
                "TACIT_LOG_LEVEL": "WARNING",
                "TACIT_RATE_LIMIT_WRITES": "1000000/minute",
                "TACIT_NUDGES_PER_WEEK": "1000000",
                "TACIT_QUIET_HOURS": "",
            }
            server = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "serve"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                deadline = time.perf_counter() + 180
                while True:
                    try:
                        if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if server.poll() is not None or time.perf_counter() > deadline:
                        raise RuntimeError(
                            f"tacit serve did not start: {server.stderr.read()[-2000:] if server.stderr else ''}"
                        )
                    time.sleep(0.2)
                database = "SQLite" if args.sqlite else "PostgreSQL"
                print(f"tacit serve: {database}, {args.runner} runner, {args.workers} job workers")
                return asyncio.run(drive(args, base, tokens, server.pid))
            finally:
                server.terminate()
                server.wait(timeout=60)
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
