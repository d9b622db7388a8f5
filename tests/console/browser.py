"""Driving the console in a real browser: Playwright for Python with Debian's Chromium
(devtools/bootstrap.sh installs it; Playwright's own browser download cannot work on these
machines). Without the browser the tests fail, they never skip.

A failed test keeps a screenshot and a Playwright trace (`playwright show-trace trace.zip`)
under its own temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page

from devtools.launcher import Stack
from tests.console.sessions import PASSWORD, mailed_link
from tests.people import agent

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe-core-4.10.2.min.js"
"""axe-core, pinned and kept in the repository (never fetched while testing)."""


def open_context(browser: Browser, stack: Stack, language: str = "en-US") -> BrowserContext:
    context = browser.new_context(
        base_url=stack.url("gateway"),
        locale=language,
        viewport={"width": 1280, "height": 800},  # a laptop
    )
    context.set_default_timeout(20_000)
    return context


def invite_and_set_password(
    gateway: httpx.Client, stack: Stack, page: Page, **fields: Any
) -> dict[str, Any]:
    """An administrator invites a new agent; the agent follows the mailed link and chooses a
    password. The agent, as the API shows them."""
    person = agent(gateway, **{"language": "en", **fields})
    invited = gateway.post(f"/v1/agents/{person['id']}/invitations")
    assert invited.status_code == 202, invited.text
    page.goto(mailed_link(stack, person["email"]))
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_role("button", name="Save password").click()
    page.get_by_text("Password saved").wait_for()
    return person


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    # Evaluated through the DevTools protocol: the pages' Content-Security-Policy allows
    # only the gateway's own scripts, rightly refusing an injected tag.
    page.evaluate(f"() => {{ {AXE.read_text()} }}")
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
