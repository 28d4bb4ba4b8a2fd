"""The evaluation report: one Markdown page with every figure next to its baselines, and a few plots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.report import Report

TARGETS: dict[str, dict[str, tuple[str, float]]] = {
    # Cross-validated figures carry the claims: the plain ones are a training fit of the shipped model.
    "terse": {"cv_f1": (">=", 0.70), "cv_f1_high_confidence": (">=", 0.80), "roc_auc": (">=", 0.65)},
    # On a community the model never saw (issue 13): the figures to trust.
    "terse-transfer": {
        "f1": (">=", 0.70),
        "roc_auc_terse": (">=", 0.75),
        "precision_top10pct": (">=", 0.75),
    },
    "followup": {"all_checks": (">=", 0.90), "asks_main_gap": (">=", 0.60)},
    "followup-transfer": {"asks_main_gap": (">=", 0.60)},
    "synthesis": {"faithfulness": (">=", 0.95), "citation_validity": (">=", 1.0)},
    "retrieval": {},
    "experts": {},
    "pii": {},
}


def write_report(reports: Sequence[Report], out: Path, command: str) -> Path:
    """Write out/eval.md (and its PNG plots beside it); returns the Markdown path."""
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Tacit evaluation report",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}`. Every figure is computed from the data in",
        "this run; baselines are computed in the same run. Targets are those of the quality issue.",
        "",
    ]
    for report in reports:
        lines += _section(report, out)
    path = out / "eval.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _section(report: Report, out: Path) -> list[str]:
    title = f"{report.name} ({report.subject})" if report.subject else report.name
    lines = [f"## {title}", "", *_table(report), ""]
    lines += [f"- {note}" for note in report.notes]
    lines += _extra_tables(report)
    for plot in _plots(report, out):
        lines += ["", f"![{plot.stem}]({plot.name})"]
    return [*lines, ""]


def _table(report: Report) -> list[str]:
    baselines = list(report.baselines)
    metrics = list(dict.fromkeys([*report.tacit, *(m for b in report.baselines.values() for m in b)]))
    header = ["metric", "tacit", *baselines, "target"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    targets = TARGETS.get(report.name, {})
    for metric in metrics:
        cells = [_fmt(report.tacit.get(metric))] + [_fmt(report.baselines[b].get(metric)) for b in baselines]
        target = targets.get(metric)
        verdict = ""
        if target and metric in report.tacit:
            met = report.tacit[metric] >= target[1]
            verdict = f"{target[0]} {target[1]:.2f} {'met' if met else '**not met**'}"
        rows.append("| " + " | ".join([metric, *cells, verdict]) + " |")
    return rows


def _extra_tables(report: Report) -> list[str]:
    """Numeric tables carried in `extra` (rows of numbers with the same keys), e.g. what each LLM-judge screen costs.

    Other lists there (the follow-up examples) are not tables of figures and are left out.
    """
    lines: list[str] = []
    for name, rows in report.extra.items():
        if not (isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)):
            continue
        if not all(isinstance(v, int | float) for r in rows for v in r.values()):
            continue
        keys = list(rows[0])
        lines += ["", f"**{name}**", "", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(_fmt(r.get(k)) for k in keys) + " |" for r in rows]
    return lines


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return "n/a" if isinstance(value, float) and math.isnan(value) else f"{value:.3f}"


def _plots(report: Report, out: Path) -> list[Path]:
    return [p for p in (_pr_plot(report, out), _screen_plot(report, out)) if p is not None]


def _screen_plot(report: Report, out: Path) -> Path | None:
    """What an LLM judge's screen keeps (recall ceiling) against what it costs (share of answers sent)."""
    rows = report.extra.get("screens")
    if not (isinstance(rows, list) and rows):
        return None
    fig, ax = _axes()
    ax.plot([r["sends"] for r in rows], [r["keeps_terse"] for r in rows], marker="o", label="all terse labels")
    if all("keeps_terse_high_confidence" in r for r in rows):
        ax.plot(
            [r["sends"] for r in rows],
            [r["keeps_terse_high_confidence"] for r in rows],
            marker=".",
            label="high-confidence",
        )
    for r in rows:
        ax.annotate(
            f"{r['screen']:g}", (r["sends"], r["keeps_terse"]), textcoords="offset points", xytext=(4, -10), fontsize=8
        )
    ax.set_xlabel("share of answers sent to the LLM (cost)")
    ax.set_ylabel("share of terse answers kept (recall ceiling)")
    ax.set_title("LLM judge: offline screen, labelled by cut")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    return _save(fig, out / f"{report.name}-screen.png")


def _pr_plot(report: Report, out: Path) -> Path | None:
    curves = {k: v for k, v in report.extra.items() if k.startswith("pr_curve") and isinstance(v, dict)}
    if not curves:
        return None
    fig, ax = _axes()
    for name, curve in curves.items():
        label = name.removeprefix("pr_curve").strip("_") or "tacit"
        ax.plot(curve["recall"], curve["precision"], label=label)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(f"{report.name}: precision-recall")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend()
    return _save(fig, out / f"{report.name}-pr.png")


def _axes() -> tuple[Any, Any]:
    """A figure and its axes, drawn off-screen (matplotlib is imported only when a report has plots)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(5, 4))


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
