"""The in-process job runner: dedupes pending keys, retries, survives failures, runs periodic jobs."""

from __future__ import annotations

import threading
import time

from workflow.jobs import InProcessJobRunner


def test_runs_jobs_and_dedupes_pending_keys() -> None:
    gate, seen = threading.Event(), []
    runner = InProcessJobRunner({"j": lambda p: (gate.wait(5), seen.append(p["n"]))}, workers=1)
    runner.start()
    for n in ("1", "1", "2"):
        runner.enqueue("j", n, {"n": n})
    gate.set()
    assert runner.wait_idle(5)
    runner.stop()
    assert sorted(seen) == ["1", "2"]


def test_failing_job_is_retried_then_counted_and_the_worker_lives_on() -> None:
    calls = []

    def flaky(p: dict[str, str]) -> None:
        calls.append(p["k"])
        if p["k"] == "bad":
            raise RuntimeError("boom")

    runner = InProcessJobRunner({"j": flaky}, workers=1, attempts=2)
    runner.start()
    runner.enqueue("j", "bad", {"k": "bad"})
    runner.enqueue("j", "good", {"k": "good"})
    assert runner.wait_idle(10)
    runner.stop()
    assert calls.count("bad") == 2 and "good" in calls
    assert (runner.stats.failed, runner.stats.retried, runner.stats.done) == (1, 1, 1)


def test_periodic_job_runs_until_stopped() -> None:
    ticks = []
    runner = InProcessJobRunner({"tick": lambda p: ticks.append(time.monotonic())}, workers=1)
    runner.every(0.05, "tick")
    runner.start()
    time.sleep(0.4)
    runner.stop()
    count = len(ticks)
    time.sleep(0.2)
    assert count >= 3 and len(ticks) == count


def test_a_job_queued_while_it_runs_runs_once_more_afterwards() -> None:
    started, release, runs = threading.Event(), threading.Event(), []

    def job(p: dict[str, str]) -> None:
        runs.append(p["v"])
        started.set()
        release.wait(5)

    runner = InProcessJobRunner({"j": job}, workers=1)
    runner.start()
    runner.enqueue("j", "k", {"v": "first"})
    assert started.wait(5)
    runner.enqueue("j", "k", {"v": "second"})  # the source changed while the job was reading it
    runner.enqueue("j", "k", {"v": "third"})  # folded into the one re-run
    release.set()
    assert runner.wait_idle(5)
    runner.stop()
    assert runs == ["first", "third"]


def test_a_stopped_runner_starts_again_with_its_periodic_jobs() -> None:
    """`tacit serve --demo` loads the demo with jobs running, stops, then serving starts the runner again."""
    ticks: list[str] = []
    runner = InProcessJobRunner({"tick": lambda p: ticks.append("t")}, workers=1)
    runner.every(0.05, "tick")
    runner.start()
    runner.stop()
    ticks.clear()
    runner.start()  # threads cannot be restarted: this used to raise RuntimeError
    deadline = time.monotonic() + 5
    while not ticks and time.monotonic() < deadline:
        time.sleep(0.02)
    runner.stop()
    assert ticks, "the periodic job runs after the restart"
