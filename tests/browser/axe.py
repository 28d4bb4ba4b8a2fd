"""axe-core in the page: WCAG 2.0/2.1/2.2 A and AA rules, zero violations expected."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


@cache
def _source() -> str:
    return AXE.read_text()


def axe_violations(page: Page) -> list[dict]:
    """axe's violations on the page as it is now (evaluated through the DevTools protocol, so the CSP allows it)."""
    page.evaluate(_source())
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", TAGS
    )


def assert_accessible(page: Page) -> None:
    """Fail with each violation's rule, impact, help text and the first offending elements."""
    violations = axe_violations(page)
    lines = [
        f"{v['id']} ({v.get('impact')}): {v['help']} -> "
        + "; ".join(
            " ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"]) for n in v["nodes"][:3]
        )
        for v in violations
    ]
    assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n" + "\n".join(lines)
