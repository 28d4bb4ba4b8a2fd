"""xAPI against a real LRS: ralph on 127.0.0.1 (fs backend, a fresh folder per test), exactly once across retries.

ralph's server needs packages (an older FastAPI) that Tacit's environment must not get, so it runs from its own
virtualenv: `make ralph-lrs` makes .venv-ralph; or point TACIT_TEST_RALPH_PYTHON at another one. Without it, or when
the server does not start, the test is skipped.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from analytics.xapi import Vocabulary
from connectors.xapi.client import LrsClient
from tests.e2e.test_analytics_api import run_the_loop
from workflow.xapi import send_statements

ROOT = Path(__file__).resolve().parents[2]
WORDS = Vocabulary("https://tacit.example.org", b"the test LRS pseudonym key, not secret")
USER, PASSWORD = "tacit", "lrs-test-secret"


def ralph_python() -> Path | None:
    configured = os.environ.get("TACIT_TEST_RALPH_PYTHON")
    candidate = Path(configured) if configured else ROOT / ".venv-ralph" / "bin" / "python"
    return candidate if candidate.exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ralph_lrs(tmp_path: Path) -> Iterator[str]:
    python = ralph_python()
    if python is None:
        pytest.skip("no ralph virtualenv (make ralph-lrs, or set TACIT_TEST_RALPH_PYTHON)")
    folder = tmp_path / "lrs"  # fresh per test: ralph's fs backend fails a second write to a reused folder
    (folder / "data").mkdir(parents=True)
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(folder / "app"),
        "RALPH_AUTH_FILE": str(folder / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "data"),
    }
    made = subprocess.run(
        [
            str(python),
            "-m",
            "ralph",
            "auth",
            "-u",
            USER,
            "-p",
            PASSWORD,
            "-s",
            "all",
            "-M",
            "mailto:tacit@example.org",
            "-w",
        ],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"ralph auth failed: {made.stderr.decode()[-300:]}")
    port = free_port()
    server = subprocess.Popen(
        [str(python), "-m", "uvicorn", "ralph.api:app", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/xAPI"
    try:
        if not _ready(url, server):
            pytest.skip("ralph's LRS did not start")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _ready(url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{url}/statements", auth=(USER, PASSWORD), timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


class CrashAfterFirstPost:
    """Posts for real, then dies before the batch is logged as sent: what a kill -9 mid-job leaves behind."""

    def __init__(self, sink: LrsClient) -> None:
        self.sink, self.crashed = sink, False

    def post(self, statements: list[dict]) -> None:
        self.sink.post(statements)
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("killed after the LRS stored the batch")


def stored(url: str) -> list[dict]:
    headers = {"X-Experience-API-Version": "1.0.3"}
    response = httpx.get(f"{url}/statements", params={"limit": 500}, auth=(USER, PASSWORD), headers=headers)
    response.raise_for_status()
    return response.json()["statements"]


def test_statements_reach_a_real_lrs_exactly_once_across_retries(make_loop, ralph_lrs: str) -> None:
    loop = make_loop()
    run_the_loop(loop)
    services = loop.tacit.services
    # One batch: ralph's fs backend can write a folder only once (a second write of new statements fails); a
    # resend of statements it already holds writes nothing, which is exactly what the retry needs.
    with httpx.Client(timeout=30) as http:
        lrs = LrsClient(http, ralph_lrs, USER, PASSWORD)
        with pytest.raises(RuntimeError, match="killed"):
            send_statements(services, sink=CrashAfterFirstPost(lrs), words=WORDS, batch_size=50)
        retried = send_statements(services, sink=lrs, words=WORDS, batch_size=50)  # resends the whole batch
        again = send_statements(services, sink=lrs, words=WORDS, batch_size=50)
    statements = stored(ralph_lrs)
    ids = [s["id"] for s in statements]
    assert len(ids) == len(set(ids)) == retried.sent == 8  # the 8 events of the loop, each stored once
    assert again.sent == 0
    for s in statements:
        BaseXapiStatement.model_validate({k: v for k, v in s.items() if k not in ("stored", "authority")})
