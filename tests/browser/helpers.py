"""Helpers for the browser tests: screenshots of the main pages (from the demo), keyboard-only moves."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page, name: str) -> None:  # noqa: ANN001
    """docs/screenshots/<name>.png: what the page shows in its viewport now."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def tab_to(page, selector: str, limit: int = 60) -> None:  # noqa: ANN001
    """Press Tab until the element matching `selector` has the focus (a keyboard-only user's way there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")
