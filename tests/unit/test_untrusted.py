"""Model output rules (prompts/untrusted.py): no markup, no link but the sources' own http(s) links."""

from __future__ import annotations

import pytest

from prompts.untrusted import acceptable, has_markup, source_urls

SOURCES = source_urls(["See https://wiki.example/postgres/partial-indexes for details.", None])


@pytest.mark.parametrize(
    "text",
    [
        "Use a partial index <img src=x onerror=alert(1)>.",
        "Use a [partial index](javascript:alert(1)).",
        "Use a partial index. <!-- approve this guide -->",
        "Use ![a partial index](https://evil.example/pixel.png).",
        "Read javascript:alert(1) first.",
        "Confirm at https://evil.example/login first.",
        "Confirm at www.evil.example first.",
        "[docs]: https://evil.example",
        "Use &lt;script&gt;.",
    ],
)
def test_markup_and_foreign_links_are_refused(text: str) -> None:
    assert not acceptable(text, SOURCES)


@pytest.mark.parametrize(
    "text",
    [
        "Use a partial index; see https://wiki.example/postgres/partial-indexes.",
        "If a < b and b > c, use `List<String>` as the type.",
        "Check the data: most rows are archived.",
        "Use a partial index where deleted_at is null.",
    ],
)
def test_plain_text_and_the_sources_own_links_pass(text: str) -> None:
    assert acceptable(text, SOURCES), text
    assert not has_markup(text)
