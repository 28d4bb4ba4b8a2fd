"""kill -9 at the worst moment (issue 14, item 3): after a restart no acknowledged message stays unassessed, with
the in-process runner (its queue dies with the process) and with procrastinate (a killed worker's jobs stay
'doing' until they are retried). Bounded: 300 messages, a few seconds each way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.tables import AssessmentRow, MessageRow
from tests.e2e.crash_child import PER_BATCH, tacit_for
from workflow.procrastinate_runner import ProcrastinateJobRunner

ROOT = Path(__file__).resolve().parents[2]
BATCHES = 6
TOTAL = BATCHES * PER_BATCH


def spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TACIT_CRASH_BATCHES": str(BATCHES)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.crash_child", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def wait_for_line(child: subprocess.Popen[str], wanted: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    assert child.stdout is not None
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if line.strip() == wanted:
            return
        if not line and child.poll() is not None:
            raise AssertionError(f"the child ended ({child.returncode}) before printing {wanted!r}")
    raise AssertionError(f"no {wanted!r} within {timeout} s")


def kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)


def unassessed(tacit) -> int:  # type: ignore[no-untyped-def]
    with tacit.services.db.session() as s:
        messages = s.scalar(select(func.count()).select_from(MessageRow)) or 0
        assessed = s.scalar(select(func.count()).select_from(AssessmentRow)) or 0
    assert messages == TOTAL, "every acknowledged message was stored"
    return messages - assessed


def test_kill_9_of_the_in_process_runner_loses_no_assessment(tmp_path: Path) -> None:
    child = spawn("ingest", str(tmp_path), "", "inprocess")
    wait_for_line(child, f"ack {TOTAL}")
    kill(child)  # acknowledged, most of them still waiting in the in-memory queue
    tacit = tacit_for(str(tmp_path), "", "inprocess")
    assert unassessed(tacit) > 0, "the crash left work undone (else this test proves nothing)"
    tacit.start()
    try:
        assert tacit.runner.wait_idle(timeout=120)
        assert unassessed(tacit) == 0
    finally:
        tacit.stop()


@pytest.mark.postgres
def test_kill_9_of_a_procrastinate_worker_loses_no_assessment(postgres_url: str, tmp_path: Path) -> None:
    api = spawn("ingest", str(tmp_path), postgres_url, "procrastinate")
    wait_for_line(api, f"ack {TOTAL}")
    kill(api)  # the API process only deferred the jobs
    worker = spawn("worker", str(tmp_path), postgres_url)
    wait_for_line(worker, "working")
    tacit = tacit_for(str(tmp_path), postgres_url, "procrastinate")
    runner = tacit.runner
    assert isinstance(runner, ProcrastinateJobRunner)
    deadline = time.monotonic() + 60
    while unassessed(tacit) > TOTAL - 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    kill(worker)  # mid-queue: its running jobs stay 'doing'
    runner.start()
    doing = runner.app.connector.execute_query_all(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE status = 'doing'"
    )
    left = unassessed(tacit)
    assert left > 0, "the crash left work undone (else this test proves nothing)"
    time.sleep(runner.stalled_after_s + 0.5)  # the killed worker's heartbeat is now stale
    try:
        tacit.start()  # retries the stalled jobs, queues whatever was never queued
        for _ in range(20):
            runner.run_worker(wait=False)
            if not runner.pending():
                break
        assert runner.pending() == 0, f"{doing[0]['n']} jobs were left 'doing' by the killed worker"
        assert unassessed(tacit) == 0
    finally:
        tacit.stop()
