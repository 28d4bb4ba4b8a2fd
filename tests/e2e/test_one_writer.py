"""One writer for the embedded vector index: jobs run in the serving process, other processes are told it is busy."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.bootstrap import build
from api.settings import Settings
from retrieval.edge_index import EdgeIndex
from retrieval.fakes import HashingEmbedder
from tests.e2e.conftest import COMMUNITY, Loop, shared_scanner
from tests.e2e.test_governance import SEARCH, search
from tests.e2e.test_loop_offline import REPLY, thread_messages
from workflow.procrastinate_runner import ProcrastinateJobRunner, conninfo_from_sqlalchemy

ROOT = Path(__file__).parents[2]


def test_a_worker_without_qdrant_url_refuses_and_says_why(tmp_path: Path):
    from cli.main import app

    env = {
        "TACIT_DATA_DIR": str(tmp_path / "data"),
        "TACIT_JOB_RUNNER": "procrastinate",
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",  # never reached: it refuses first
        "QDRANT_URL": "",
    }
    result = CliRunner().invoke(app, ["worker"], env=env)

    assert result.exit_code == 2
    assert "QDRANT_URL" in result.output and "one process per folder" in result.output
    assert "Traceback" not in result.output


def test_serve_with_several_workers_needs_qdrant_url_and_says_why(tmp_path: Path):
    from cli.main import app

    env = {"TACIT_DATA_DIR": str(tmp_path / "data"), "QDRANT_URL": ""}
    result = CliRunner().invoke(app, ["serve", "--workers", "2"], env=env)

    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "--workers needs QDRANT_URL" in output and "one process per folder" in output
    assert not (tmp_path / "data").exists()  # refused before building anything


def test_a_second_worker_process_on_the_same_folder_fails_at_start(tmp_path: Path, monkeypatch):
    from api.app import app_from_settings
    from retrieval.errors import IndexBusy

    data = tmp_path / "data"
    EdgeIndex(data / "vectors", 384).count()
    holder = _hold(data / "vectors")
    monkeypatch.setenv("TACIT_DATA_DIR", str(data))
    monkeypatch.setenv("TACIT_PII_SCAN", "false")
    monkeypatch.delenv("QDRANT_URL", raising=False)
    try:
        with pytest.raises(IndexBusy, match="one writer"):
            app_from_settings()  # what uvicorn runs in each worker (factory=True)
    finally:
        holder.communicate("")


def _hold(folder: Path) -> subprocess.Popen[str]:
    """Another process holding the embedded index's folder, until its stdin closes."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from retrieval.edge_index import EdgeIndex; "
            f"held = EdgeIndex(Path({str(folder)!r}), 384); held.count(); print('held', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_reindex_while_a_server_holds_the_index_says_busy_and_deletes_nothing(tmp_path: Path):
    from cli.main import app

    data = tmp_path / "data"
    EdgeIndex(data / "vectors", 384).count()  # creates the folder
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from retrieval.edge_index import EdgeIndex; "
            f"held = EdgeIndex(Path({str(data / 'vectors')!r}), 384); held.count(); print('held', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(app, ["reindex"], env={"TACIT_DATA_DIR": str(data), "TACIT_PII_SCAN": "false"})
    finally:
        holder.communicate("")

    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "is busy" in output and "one writer" in output and "GET /v1/search" in output
    assert "run `tacit reindex`" not in output
    assert list((data / "vectors").glob("shard-*/edge_config.json")), "the index is still there"


def _idle(runner: ProcrastinateJobRunner, timeout: float = 90) -> None:
    """Wait for the serving process's own worker (nobody else runs jobs here)."""
    deadline = time.monotonic() + timeout
    while runner.pending():
        assert time.monotonic() < deadline, "the in-process worker did not run the queued jobs"
        time.sleep(0.1)
    assert runner.failed() == 0


@pytest.mark.postgres
def test_with_the_embedded_index_the_serving_process_runs_queued_jobs(tmp_settings: Settings, postgres_url: str):  # noqa: F811
    settings = tmp_settings.model_copy(update={"database_url": postgres_url, "job_runner": "procrastinate"})
    tacit = build(settings, embedder=HashingEmbedder(), scanner=shared_scanner())  # the real EdgeIndex
    runner = tacit.runner
    assert isinstance(runner, ProcrastinateJobRunner)
    with TestClient(create_app(tacit)) as client:
        loop = Loop(tacit, client)
        url = f"/v1/communities/{COMMUNITY}/messages"
        assert client.post(url, json={"messages": thread_messages()}, headers=loop.as_("priya")).status_code == 202
        _idle(runner)
        nudge = client.get("/v1/me/nudges", headers=loop.as_("marta")).json()[0]
        client.post(f"/v1/nudges/{nudge['id']}/reply", json={"text": REPLY}, headers=loop.as_("marta"))
        _idle(runner)
        guide = client.get("/v1/me/guides", headers=loop.as_("marta")).json()[0]
        client.post(f"/v1/guides/{guide['id']}/approve", headers=loop.as_("marta"))
        _idle(runner)

        assert search(loop, "lena", SEARCH)[0]["guide_id"] == guide["id"]  # indexed by this process's worker
    assert list((settings.data_dir / "vectors").glob("shard-*/edge_config.json"))


@pytest.mark.postgres
def test_processes_starting_together_on_a_fresh_database_create_the_queue_once(postgres_url: str):  # noqa: F811
    conninfo = conninfo_from_sqlalchemy(postgres_url)
    runners = [ProcrastinateJobRunner(conninfo) for _ in range(4)]
    errors: list[BaseException] = []
    gate = threading.Barrier(len(runners))

    def start(runner: ProcrastinateJobRunner) -> None:
        gate.wait()
        try:
            runner.start()
        except BaseException as error:  # noqa: BLE001  (collected and asserted below)
            errors.append(error)

    threads = [threading.Thread(target=start, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert all(r.pending() == 0 for r in runners)
    finally:
        for r in runners:
            r.stop()
