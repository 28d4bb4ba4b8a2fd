"""The job runner at scale: procrastinate, a PostgreSQL-backed queue with several worker processes.

The API process only defers jobs; `tacit worker` processes run them. With the embedded vector index (one process per
folder) the serving process runs them itself (`run_here`), so the index keeps one writer. A job already waiting under the same
(job, key) is not queued twice (procrastinate's queueing lock), so deferring stays idempotent as it is in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

import psycopg
from procrastinate import App, PsycopgConnector, RetryStrategy, SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.schema import SchemaManager

from workflow.jobs import Handler, JobStats

log = logging.getLogger("tacit.jobs")
QUEUE = "tacit"
_SCHEMA_LOCK = 7_143_296_001  # pg advisory lock key: processes starting together create the schema once


def conninfo_from_sqlalchemy(url: str) -> str:
    """postgresql+psycopg://… (SQLAlchemy) → postgresql://… (psycopg)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


class ProcrastinateJobRunner:
    def __init__(
        self,
        conninfo: str,
        handlers: Mapping[str, Handler] | None = None,
        concurrency: int = 2,
        *,
        run_here: bool = False,
    ) -> None:
        self._handlers: dict[str, Handler] = dict(handlers or {})
        self._concurrency = concurrency
        self._run_here = run_here  # run the worker inside this process (start() to stop())
        self._here: tuple[threading.Thread, asyncio.AbstractEventLoop, asyncio.Task[None]] | None = None
        self._conninfo = conninfo
        # Deferring is synchronous (API requests, jobs); the worker runs procrastinate's async loop.
        self.app = App(connector=SyncPsycopgConnector(conninfo=conninfo))
        self.stats = JobStats()
        self._task = self.app.task(name="tacit.run_job", queue=QUEUE, retry=RetryStrategy(max_attempts=3, wait=1))(
            self._run
        )
        self._opened = False

    def _run(self, job: str, payload: dict[str, str]) -> None:
        self._handlers[job](payload)
        self.stats.done += 1

    def register(self, job: str, handler: Handler) -> None:
        self._handlers[job] = handler

    def start(self) -> None:
        """Open the connection used to defer jobs (and create procrastinate's tables on first use)."""
        if not self._opened:
            self.app.open()
            self._opened = True
            self._ensure_schema()
        if self._run_here and self._here is None:
            self._here = self._start_worker_thread()

    def stop(self) -> None:
        if self._here is not None:
            thread, loop, task = self._here
            loop.call_soon_threadsafe(task.cancel)  # procrastinate finishes running jobs, then returns
            thread.join(timeout=60)
            self._here = None
        if self._opened:
            self.app.close()
            self._opened = False

    def _ensure_schema(self) -> None:
        """Create procrastinate's tables once, even when several processes start together on a fresh database."""
        with psycopg.connect(self._conninfo, autocommit=False) as conn:
            # A transaction-scoped advisory lock: the second process waits, then finds the schema present.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if not (row and row[0]):
                conn.execute(SchemaManager.get_schema())

    def _start_worker_thread(self) -> tuple[threading.Thread, asyncio.AbstractEventLoop, asyncio.Task[None]]:
        loop = asyncio.new_event_loop()
        worker_app = self.app.with_connector(PsycopgConnector(conninfo=self._conninfo))

        async def work() -> None:
            async with worker_app.open_async():
                await worker_app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=self._concurrency,
                    wait=True,
                    install_signal_handlers=False,
                    delete_jobs="successful",
                )

        task = loop.create_task(work())

        def run() -> None:
            asyncio.set_event_loop(loop)
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(task)
            loop.close()

        thread = threading.Thread(target=run, name="tacit-procrastinate", daemon=True)
        thread.start()
        return thread, loop, task

    def enqueue(self, job: str, key: str, payload: dict[str, str]) -> None:
        if job not in self._handlers:
            raise KeyError(f"unknown job {job!r}")
        # queueing_lock: one waiting job per key (the same work is already waiting). No `lock`: a worker killed mid-job
        # leaves its row 'doing', and a lock would then hold every later job of that key (the periodic sweep too)
        # for good. Twins that run side by side are safe: jobs re-check what they read before writing, and the
        # database's unique keys refuse a second nudge or guide version.
        with contextlib.suppress(AlreadyEnqueued):
            self._task.configure(queueing_lock=f"{job}:{key}"[:200]).defer(job=job, payload=dict[str, Any](payload))

    def every(self, seconds: float, job: str) -> None:
        """A periodic job; procrastinate's schedule has minute resolution."""
        minutes = max(1, round(seconds / 60))

        def tick(timestamp: int) -> None:
            self.enqueue(job, "periodic", {})

        self.app.periodic(cron=f"*/{minutes} * * * *", periodic_id=job)(
            self.app.task(name=f"tacit.every.{job}", queue=QUEUE)(tick)
        )

    def pending(self) -> int:
        rows = self.app.connector.execute_query_all(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE queue_name = %(q)s AND status IN ('todo', 'doing')",
            q=QUEUE,
        )
        return int(rows[0]["n"])

    def failed(self) -> int:
        rows = self.app.connector.execute_query_all(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE queue_name = %(q)s AND status = 'failed'", q=QUEUE
        )
        return int(rows[0]["n"])

    def wait_idle(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def run_worker(self, *, wait: bool = True) -> None:
        """Process jobs in this process (`tacit worker`); with wait=False, return once the queue is empty."""
        worker_app = self.app.with_connector(PsycopgConnector(conninfo=self._conninfo))
        worker_app.run_worker(
            queues=[QUEUE],
            concurrency=self._concurrency,
            wait=wait,
            install_signal_handlers=wait,
            delete_jobs="successful",
        )
