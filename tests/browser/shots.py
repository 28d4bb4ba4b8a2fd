"""Screenshots of the main pages for the README, taken by the browser tests from the demo."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page, name: str) -> None:  # noqa: ANN001
    """docs/screenshots/<name>.png: what the page shows in its viewport now."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
