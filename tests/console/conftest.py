"""Fixtures of the console's browser tests: one Chromium per session, a fresh profile per
test whose screenshot and trace are kept when the test fails (tests/console/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from devtools.launcher import Stack
from tests.console.browser import CHROMIUM, open_context


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Per module, not per session: while the sync API runs, asyncio believes its loop is
    running in this thread, and every later test calling asyncio.run() would fail."""
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run devtools/bootstrap.sh (as root) to install Debian's "
            "chromium for the console's browser tests"
        )
    # --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
    )
    yield launched
    launched.close()


@pytest.fixture
def context(
    browser: Browser, stack: Stack, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[BrowserContext]:
    """A fresh browser profile; its screenshot and trace are kept if the test fails."""
    context = open_context(browser, stack)
    context.tracing.start(screenshots=True, snapshots=True, sources=False)
    failed_before = request.session.testsfailed
    yield context
    if request.session.testsfailed > failed_before:
        for number, opened in enumerate(context.pages):
            opened.screenshot(path=tmp_path / f"failure-{number}.png", full_page=True)
        context.tracing.stop(path=tmp_path / "trace.zip")
        print(f"console test failed: screenshot and trace in {tmp_path}")
    else:
        context.tracing.stop()
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
