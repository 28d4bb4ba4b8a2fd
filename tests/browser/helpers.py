"""Helpers for the browser tests: keyboard-only moves."""

from __future__ import annotations


def tab_to(page, selector: str, limit: int = 60) -> None:  # noqa: ANN001
    """Press Tab until the element matching `selector` has the focus (a keyboard-only user's way there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")
