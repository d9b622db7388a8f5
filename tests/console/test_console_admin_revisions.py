"""Two administrators with the same level's page open in their browsers: the first save is
kept, the second is refused with a message saying so, over a page that now shows the first
one's values, and saving again from there keeps both changes. (Playwright with Debian's
Chromium: tests/console/browser.py.)"""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, Page, expect

from devtools.launcher import Stack
from tests.console.browser import open_context
from tests.console.test_console_admin import signed_in_admin
from tests.people import level
from tests.support import unique


def test_a_level_saved_after_another_admins_save_shows_the_conflict_and_loses_nothing(
    stack: Stack, gateway: httpx.Client, page: Page, browser: Browser
) -> None:
    calendar = unique("horario")
    made = gateway.post("/v1/calendars", json={"name": calendar, "timezone": "America/Sao_Paulo"})
    assert made.status_code == 201, made.text
    desk = level(gateway)["name"]
    first = page
    signed_in_admin(gateway, stack, first)
    with open_context(browser, stack) as other:
        second = other.new_page()
        signed_in_admin(gateway, stack, second)
        first.goto(f"/admin/levels/{desk}")
        second.goto(f"/admin/levels/{desk}")

        first.get_by_label("Calendar", exact=True).select_option(calendar)
        first.get_by_role("button", name="Save").click()
        expect(first.get_by_role("status")).to_have_text("Saved.")

        second.get_by_label("First response: amount").fill("45")
        second.get_by_role("button", name="Save").click()
        expect(second.get_by_role("alert")).to_contain_text("Someone else saved this")
        expect(second.get_by_label("Calendar", exact=True)).to_have_value(calendar)
        kept = gateway.get(f"/v1/levels/{desk}").json()
        assert kept["calendar"] == calendar
        assert (kept["sla"] or {}).get("first_response") is None

        second.get_by_label("First response: amount").fill("45")
        second.get_by_role("button", name="Save").click()
        expect(second.get_by_role("status")).to_have_text("Saved.")
    both = gateway.get(f"/v1/levels/{desk}").json()
    assert both["calendar"] == calendar
    assert both["sla"]["first_response"] == {"amount": 45, "unit": "minutes"}
