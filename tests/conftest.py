"""Test-wide guards and fixtures: no real network, fast fakes at Tacit's own interfaces."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> None:
    host = address[0] if isinstance(address, tuple) else None
    if isinstance(host, str):
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise RuntimeError(f"tests must not touch the network (tried {address}); mock it with respx")
        except ValueError:
            if host != "localhost":
                raise RuntimeError(f"tests must not touch the network (tried {address}); mock it with respx") from None
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "threads.jsonl").exists():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Iterator[object]:
    from api.settings import Settings

    # No cold start: the loop's tests follow one answer of a new community; cold start has its own tests
    # (tests/e2e/test_outcomes.py), which turn it on.
    yield Settings(_env_file=None, data_dir=tmp_path / "data", quiet_hours="", cold_start_labels=0)  # type: ignore[call-arg]
