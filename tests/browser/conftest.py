"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server with the demo loaded.

`playwright install` cannot download a browser here, so the system Chromium is launched by path. Without it the
browser tests skip with one line saying how to install it. docs/web.md explains the fixtures.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("TACIT_CHROMIUM", "/usr/bin/chromium"))  # Debian's package by default
INSTALL_HINT = "browser tests need Chromium: apt-get install -y chromium (then pip install playwright)"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


_SKIPPED: list[int] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests are left out, and one line (below) says how to install it."""
    if CHROMIUM.exists():
        return
    here = Path(__file__).resolve().parent
    browser = [i for i in items if here in Path(str(i.fspath)).resolve().parents]
    if browser:
        items[:] = [i for i in items if i not in browser]
        config.hook.pytest_deselected(items=browser)
        _SKIPPED.append(len(browser))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    if _SKIPPED:
        terminalreporter.write_line(f"{sum(_SKIPPED)} browser tests skipped: no {CHROMIUM}; {INSTALL_HINT}")


@dataclass
class DemoSite:
    """The demo behind a real HTTP server: its base URL, the Tacit inside, and each demo person's id."""

    url: str
    tacit: object
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def services(self):  # noqa: ANN201
        return self.tacit.services  # type: ignore[attr-defined]

    def link(self, handle: str) -> str:
        """A fresh one-time sign-in link for a demo person."""
        from workflow.sessions import create_sign_in_link

        return f"{self.url}/signin/link/{create_sign_in_link(self.services, handle=handle, minutes=15)}"

    def settle(self, timeout: float = 120) -> None:
        runner = self.tacit.runner  # type: ignore[attr-defined]
        assert runner.wait_idle(timeout=timeout), "background jobs did not finish"
        assert runner.stats.failed == 0, runner.stats.last_error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """The demo (cli/demo.py) loaded once per run, served by uvicorn on 127.0.0.1 in a thread."""
    if not CHROMIUM.exists():
        pytest.skip(INSTALL_HINT)
    import uvicorn
    from sqlalchemy import select

    from api.app import create_app
    from api.bootstrap import build
    from api.settings import Settings
    from cli.demo import complete_past_loops, load_demo
    from retrieval.fakes import InMemoryIndex
    from store.tables import PersonRow
    from tests.e2e.conftest import shared_scanner

    port = _free_port()
    data = tmp_path_factory.mktemp("browser") / "data"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data, quiet_hours="", public_url=f"http://127.0.0.1:{port}", cold_start_labels=0
    )
    # The real MiniLM embedder: the journeys find guides by meaning, not by shared words.
    tacit = build(settings, index=InMemoryIndex(), scanner=shared_scanner())
    tacit.start()
    site = DemoSite(url=f"http://127.0.0.1:{port}", tacit=tacit)
    load_demo(tacit.services)
    site.settle()
    complete_past_loops(tacit.services, site.settle)
    with tacit.services.db.session() as s:
        site.ids = {p.handle: p.id for p in s.scalars(select(PersonRow))}
    server = uvicorn.Server(
        uvicorn.Config(create_app(tacit, manage_runner=False), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield site
    server.should_exit = True
    thread.join(timeout=10)
    tacit.stop()


# Module scope: sync Playwright keeps an event loop running in the main thread while it is open, and tests after
# the browser tests (procrastinate's worker, for one) call asyncio.run().
@pytest.fixture(scope="module")
def browser(demo_site: DemoSite) -> Iterator[object]:
    """Debian's Chromium, headless; Playwright gives each launch a fresh temporary profile (user-data-dir)."""
    if not CHROMIUM.exists():
        pytest.skip(INSTALL_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(INSTALL_HINT)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, demo_site: DemoSite) -> Iterator[object]:  # noqa: ANN001
    """A new page in a new context (no cookies), 1280x900 unless a test resizes it."""
    context = browser.new_context(base_url=demo_site.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    csp = [e for e in errors if re.search(r"Content Security Policy|Refused to", e)]
    assert not csp, f"the page broke its Content-Security-Policy: {csp}"


def sign_in(page, site: DemoSite, handle: str) -> None:  # noqa: ANN001
    """Sign in as a demo person with a one-time link, as `tacit login-link HANDLE` prints it."""
    page.goto(site.link(handle))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/")


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name: str) -> None:  # noqa: ANN001
    """Save docs/screenshots/<name>.png for the README when TACIT_SCREENSHOTS=1 (off by default: no churn)."""
    import os

    if os.environ.get("TACIT_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
