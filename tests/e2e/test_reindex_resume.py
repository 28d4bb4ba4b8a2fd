"""A rebuild killed with SIGKILL continues where its last progress note says it stopped (issue 16 item 3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from retrieval.edge_index import EdgeIndex
from retrieval.fakes import HashingEmbedder

ROOT = Path(__file__).parents[2]
GUIDES = 400  # 3 chunks each: 1,200 chunks in 5 batches
CHILD = [sys.executable, "-m", "tests.e2e.reindex_child"]


def child(*args: str, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([*CHILD, *args], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, **popen)  # type: ignore[call-overload]


def lines_until(proc: subprocess.Popen[str], done: int, timeout_s: float = 120) -> list[str]:
    """Progress lines until one reports at least `done` chunks (or the child ends)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line.strip())
        if line.startswith("progress") and int(line.split()[1]) >= done or time.monotonic() > deadline:
            break
    return seen


def test_a_killed_reindex_resumes_from_its_last_note(tmp_path: Path):
    data = str(tmp_path)
    assert child("seed", data, str(GUIDES)).wait(timeout=120) == 0
    total = GUIDES * 3

    first = child("reindex", data, "0.05")
    lines_until(first, total // 2)
    first.send_signal(signal.SIGKILL)  # no cleanup of any kind: what a crash or an OOM kill leaves
    first.wait(timeout=30)

    second = child("reindex", data)
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out
    resumed = int(out.splitlines()[0].split()[1])
    done, embedded = (int(w) for w in out.splitlines()[-1].split()[1::2])
    assert 0 < resumed < total  # it went on from a note, not from an empty index
    assert done == total  # every chunk counted once
    assert embedded <= total - resumed  # only what came after the note was embedded again
    index = EdgeIndex(tmp_path / "vectors", HashingEmbedder().dimension)
    assert index.count() == total and index.rebuild_note() is None  # all there, and the rebuild is marked done
    index.close()


def test_a_finished_reindex_starts_from_the_start_next_time(tmp_path: Path):
    data = str(tmp_path)
    assert child("seed", data, "20").wait(timeout=120) == 0
    for _ in range(2):
        out, _ = child("reindex", data).communicate(timeout=120)
        assert out.splitlines()[0] == "resumed 0" and out.splitlines()[-1] == "done 60 embedded 60"
