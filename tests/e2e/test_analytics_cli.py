"""`tacit analytics show`: JSON and CSV from the stored records, acting as a steward."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from api.bootstrap import build
from api.settings import Settings
from cli.analytics import to_csv
from cli.main import app
from elicitor.model import Role
from retrieval.fakes import HashingEmbedder, InMemoryIndex
from store.records import IncomingMessage
from workflow.ingest import ingest_messages
from workflow.people import add_person, create_community


def seed(data_dir: Path) -> None:
    tacit = build(
        Settings(_env_file=None, data_dir=data_dir, pii_scan=False), embedder=HashingEmbedder(), index=InMemoryIndex()
    )
    services = tacit.services
    create_community(services, community_id="ops", name="Ops")
    add_person(services, handle="sam", community_id="ops", role=Role.STEWARD)
    add_person(services, handle="=cmd|calc", community_id="ops", role=Role.MEMBER, display_name="=HYPERLINK(1)")
    at = datetime.now(UTC) - timedelta(days=3)
    messages = [
        IncomingMessage("q1", "t1", "=cmd|calc", "How do I rotate the certificates?", at, "Certs", tags=("tls",)),
        IncomingMessage("a1", "t1", "sam", "Run certbot renew.", at + timedelta(hours=2), parent="q1", accepted=True),
    ]
    ingest_messages(services, community_id="ops", batch=messages)
    tacit.stop()


def test_json_and_csv_for_a_steward(tmp_path: Path) -> None:
    seed(tmp_path / "d")
    env = {"TACIT_DATA_DIR": str(tmp_path / "d"), "TACIT_PII_SCAN": "false"}
    result = CliRunner().invoke(app, ["analytics", "show", "ops", "--as", "sam", "--period", "30d"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["flow"]["exchanges"] == 1 and data["health"]["first_answer_median_hours"] == 2.0
    result = CliRunner().invoke(
        app, ["analytics", "show", "ops", "--as", "sam", "-f", "csv", "--section", "flow"], env=env
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["giver"], r["receiver"], r["tangible"]) for r in rows] == [
        ("sam", "'=HYPERLINK(1)", "1")
    ]  # a name that looks like a formula is quoted, so a spreadsheet shows it as text
    refused = CliRunner().invoke(app, ["analytics", "show", "ops", "--as", "=cmd|calc"], env=env)
    assert refused.exit_code == 1 and "only a steward" in refused.output and "Traceback" not in refused.output


def test_csv_of_nothing_is_empty() -> None:
    assert to_csv([]) == ""
