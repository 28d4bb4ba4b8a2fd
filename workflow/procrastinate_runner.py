"""The job runner at scale: procrastinate, a PostgreSQL-backed queue with several worker processes.

The API process only defers jobs; `tacit worker` processes run them. A job already waiting under the same
(job, key) is not queued twice (procrastinate's queueing lock), so deferring stays idempotent as it is in-process.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from procrastinate import App, PsycopgConnector, RetryStrategy, SyncPsycopgConnector, sql
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation

from workflow.jobs import Handler, JobStats

log = logging.getLogger("tacit.jobs")
QUEUE = "tacit"


def conninfo_from_sqlalchemy(url: str) -> str:
    """postgresql+psycopg://… (SQLAlchemy) → postgresql://… (psycopg)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


class ProcrastinateJobRunner:
    def __init__(
        self,
        conninfo: str,
        handlers: Mapping[str, Handler] | None = None,
        concurrency: int = 2,
        heartbeat_s: float = 10.0,
    ) -> None:
        self._handlers: dict[str, Handler] = dict(handlers or {})
        self.heartbeat_s = heartbeat_s
        self.stalled_after_s = 3 * heartbeat_s  # a live worker's heartbeat is never this old
        self._concurrency = concurrency
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
            if not self._schema_present():
                self.app.schema_manager.apply_schema()

    def stop(self) -> None:
        if self._opened:
            self.app.close()
            self._opened = False

    def _schema_present(self) -> bool:
        rows = self.app.connector.execute_query_all("SELECT to_regclass('procrastinate_jobs') AS t")
        return bool(rows and rows[0]["t"])

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

    def retry_stalled(self) -> int:
        """Jobs left 'doing' by a worker that stopped sending heartbeats (killed, frozen) are retried, with
        procrastinate's own stalled-job query; returns how many."""
        if not self._opened:
            return 0
        rows = self.app.connector.execute_query_all(
            sql.queries["select_stalled_jobs_by_heartbeat"],
            queue=QUEUE,
            task_name=None,
            seconds_since_heartbeat=self.stalled_after_s,
        )
        for row in rows:
            # A twin already waiting under the same queueing lock does the work: nothing to retry then.
            with contextlib.suppress(UniqueViolation):
                self.app.job_manager.retry_job_by_id(row["id"], retry_at=datetime.now(UTC))
        if rows:
            log.warning("retried %d jobs of stalled workers", len(rows))
        return len(rows)

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
            update_heartbeat_interval=self.heartbeat_s,
            stalled_worker_timeout=self.stalled_after_s,
        )
