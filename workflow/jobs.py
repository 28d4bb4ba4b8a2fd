"""The job runner interface and the embedded in-process runner.

Every job is idempotent and keyed by what it works on, so running it twice is safe. At scale the same jobs run on an
existing queue engine behind this interface.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("tacit.jobs")

Handler = Callable[[dict[str, str]], None]


class JobRunner(Protocol):
    def enqueue(self, job: str, key: str, payload: dict[str, str]) -> None: ...


class ManagedJobRunner(JobRunner, Protocol):
    """What the composition root and the entrypoints need of a runner: the in-process one or a queue engine's."""

    stats: JobStats

    def register(self, job: str, handler: Handler) -> None: ...

    def every(self, seconds: float, job: str) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def pending(self) -> int: ...

    def wait_idle(self, timeout: float = 60.0) -> bool: ...


@dataclass
class JobStats:
    done: int = 0
    failed: int = 0
    retried: int = 0
    last_error: str = ""
    by_job: dict[str, int] = field(default_factory=dict)


class InProcessJobRunner:
    """Worker threads over an in-memory queue; a job already pending under the same key is not queued twice."""

    def __init__(self, handlers: Mapping[str, Handler], workers: int = 1, attempts: int = 3) -> None:
        self._handlers = dict(handlers)
        self._queue: queue.Queue[tuple[str, str, dict[str, str]] | None] = queue.Queue()
        self._pending: set[tuple[str, str]] = set()  # queued or running
        self._running: set[tuple[str, str]] = set()
        self._rerun: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._workers = workers
        self._attempts = attempts
        self._threads: list[threading.Thread] = []
        self._every: list[tuple[float, str]] = []  # (seconds, job): a thread each while running
        self._periodic: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.stats = JobStats()

    def register(self, job: str, handler: Handler) -> None:
        self._handlers[job] = handler

    def start(self) -> None:
        self._stopping.clear()
        for n in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"tacit-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        # A stopped runner can start again (the demo loads with jobs running, then serving starts them anew):
        # threads cannot be restarted, so each start makes its own periodic ones.
        if not self._periodic:
            for seconds, job in self._every:
                self._start_periodic(seconds, job)

    def every(self, seconds: float, job: str) -> None:
        """Queue `job` every `seconds` while running (e.g. delivering nudges whose quiet hours ended)."""

        self._every.append((seconds, job))
        if self._threads:
            self._start_periodic(seconds, job)

    def _start_periodic(self, seconds: float, job: str) -> None:
        def tick() -> None:
            while not self._stopping.wait(seconds):
                self.enqueue(job, "periodic", {})

        thread = threading.Thread(target=tick, name=f"tacit-every-{job}", daemon=True)
        self._periodic.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        self._periodic.clear()  # they end on `_stopping`; the next start makes new ones

    def enqueue(self, job: str, key: str, payload: dict[str, str]) -> None:
        if job not in self._handlers:
            raise KeyError(f"unknown job {job!r}")
        with self._lock:
            if (job, key) in self._running:
                self._rerun[(job, key)] = payload  # it may have read what changed: run it once more afterwards
                return
            if (job, key) in self._pending:
                return
            self._pending.add((job, key))
        self._queue.put((job, key, payload))

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no job is pending or running; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            job, key, payload = item
            with self._lock:
                self._running.add((job, key))
            self._run(job, key, payload)
            with self._idle:
                self._running.discard((job, key))
                again = self._rerun.pop((job, key), None)
                if again is not None:
                    self._queue.put((job, key, again))  # still pending: wait_idle keeps waiting for it
                else:
                    self._pending.discard((job, key))
                self.stats.by_job[job] = self.stats.by_job.get(job, 0) + 1
                self._idle.notify_all()

    def _run(self, job: str, key: str, payload: dict[str, str]) -> None:
        for attempt in range(1, self._attempts + 1):
            try:
                self._handlers[job](payload)
                self.stats.done += 1
                return
            except Exception as exc:  # a failing job must not kill the worker
                if attempt == self._attempts:
                    self.stats.failed += 1
                    self.stats.last_error = f"{job}:{key}: {exc}"
                    log.exception("job failed job=%s key=%s attempts=%d", job, key, attempt)
                    return
                self.stats.retried += 1
                log.warning("job retry job=%s key=%s attempt=%d error=%s", job, key, attempt, exc)
                time.sleep(0.2 * attempt)
