"""What every evaluation returns: figures for Tacit and its baselines, a table to print, and notes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass
class Report:
    """One capability's evaluation. `tacit` and each baseline map metric names to values (computed, never typed)."""

    name: str  # terse | followup | synthesis | retrieval
    tacit: dict[str, float]
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # how the data was built, what was skipped, counts
    extra: dict[str, Any] = field(default_factory=dict)  # curves etc. for the Markdown report (not printed)
    subject: str = ""  # which data, when one evaluation runs on several (a heading in the report)

    def figures(self) -> dict[str, Any]:
        """The JSON object printed on the last line with --json."""
        return {"tacit": _rounded(self.tacit), "baselines": {k: _rounded(v) for k, v in self.baselines.items()}}


def _rounded(metrics: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in metrics.items()}


def print_report(report: Report, as_json: bool = False, console: Console | None = None) -> None:
    """A table (metrics as rows, Tacit and baselines as columns); with as_json, the figures as the last line."""
    console = console or Console()
    columns = ["tacit", *report.baselines]
    metrics = list(dict.fromkeys([*report.tacit, *(m for b in report.baselines.values() for m in b)]))
    table = Table("metric", *columns, title=f"tacit eval {report.name}")
    for metric in metrics:
        cells = [report.tacit.get(metric)] + [report.baselines[b].get(metric) for b in report.baselines]
        table.add_row(metric, *("" if v is None else f"{v:.3f}" for v in cells))
    console.print(table)
    for name, rows in report.extra.items():
        if isinstance(rows, list) and rows and all(_numeric_row(r) for r in rows):
            extra = Table(*rows[0], title=name)
            for row in rows:
                extra.add_row(*(f"{row.get(k, float('nan')):.3f}" for k in rows[0]))
            console.print(extra)
    for note in report.notes:
        console.print(f"  {note}")
    if as_json:
        print(json.dumps(report.figures()), flush=True)


def _numeric_row(row: object) -> bool:
    """A row of a table of figures (a dict of numbers), as opposed to examples or curves."""
    return isinstance(row, dict) and all(isinstance(v, int | float) for v in row.values())
