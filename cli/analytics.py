"""`tacit analytics show|sections`: a community's figures as JSON or as CSV tables, acting as a steward."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from api import logs
from api.bootstrap import Tacit, build
from api.settings import Settings
from workflow import analytics
from workflow.errors import WorkflowError

app = typer.Typer(help="Value-network analytics and the balanced scorecard.", no_args_is_help=True)
console = Console(stderr=True)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula


@contextmanager
def _tacit() -> Iterator[Tacit]:
    logs.configure("WARNING")
    tacit = build(Settings())
    try:
        yield tacit
    except WorkflowError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        tacit.stop()


def _person(value: Any) -> Any:
    return value["name"] if isinstance(value, dict) and set(value) == {"id", "name"} else value


def section_rows(view: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """One table of the figures, as rows of plain cells."""
    tables = {
        "scorecard": lambda: view["scorecard"],
        "flow": lambda: view["flow"].get("edges", []),
        "groups": lambda: view["flow"]["groups"],
        "critical": lambda: view["critical_people"].get("people", []),
        "bottlenecks": lambda: view["bottlenecks"].get("absorbing_people", []) + view["bottlenecks"]["topics"],
        "risk": lambda: view["knowledge_at_risk"],
        "funnel": lambda: view["health"]["funnel"],
        "transitions": lambda: [
            {"from_quarter": t["from_quarter"], "to_quarter": t["to_quarter"], "from": a, "to": b, "people": n}
            for t in view["periphery_to_core"]["transitions"]
            for a, row in t["counts"].items()
            for b, n in row.items()
            if n
        ],
        "cohorts": lambda: view["periphery_to_core"]["cohorts"],
    }
    if section not in tables:
        raise typer.BadParameter(f"unknown section {section!r}; one of: {', '.join(tables)}")
    rows = tables[section]()
    return [{k: _cell(_person(v)) for k, v in row.items()} for row in rows]


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        value = "; ".join(str(_person(v)) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, default=str)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


@app.command()
def show(
    community: str = typer.Argument(..., help="The community's id."),
    as_: str = typer.Option(..., "--as", help="Handle of a steward of the community (or an admin)."),
    period: str = typer.Option("90d", help="90d, 2026-11, 2026-Q4 or 2026."),
    format: str = typer.Option("json", "--format", "-f", help="json (everything) or csv (one section)."),
    section: str = typer.Option(
        "scorecard", help="For csv: scorecard, flow, groups, critical, bottlenecks, risk, funnel, transitions, cohorts."
    ),
) -> None:
    """Print a community's figures for a period.

    Examples: tacit analytics show platform --as priya --period 2026-Q4
              tacit analytics show platform --as priya --format csv --section risk > risk.csv
    """
    if format not in ("json", "csv"):
        raise typer.BadParameter("--format is json or csv")
    with _tacit() as tacit:
        person_id = analytics.person_id_for_handle(tacit.services, handle=as_)
        view = analytics.community_analytics(tacit.services, person_id=person_id, community_id=community, period=period)
    data = view.as_dict()
    if format == "json":
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        typer.echo(to_csv(section_rows(data, section)), nl=False)
