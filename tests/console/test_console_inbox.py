"""The console's inbox in a real browser (issue 14, parts 2 and 8): the overdue view shows an
overdue ticket in red (and says so in words); the current filters saved as a shared view
appear in the sidebar with their count; a card moved on the kanban changes the ticket's
status; a bulk assignment reports each ticket's outcome; the keyboard shortcuts; axe-core
finds no serious violation on the new pages. Time moves through ticketing's test clock
(TICKETING_CLOCK_OFFSET_FILE), never by sleeping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.people import agent, as_agent, level
from tests.support import unique, wait_until
from tests.test_sla import THIRTY_MINUTES, Clock, listed, open_ticket


@pytest.fixture
def clock(stack: Stack) -> Iterator[Clock]:
    """Back on the system time after the test, so other tests' tickets are not hours late."""
    moved = Clock(stack)
    yield moved
    moved.path.write_text("0")


def row_of(page: Page, ticket: dict[str, Any]) -> Any:
    return page.locator("#rows tr").filter(has_text=str(ticket["protocol"]))


def test_the_overdue_view_shows_an_overdue_ticket_in_red(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page, clock: Clock
) -> None:
    desk = level(gateway, sla=THIRTY_MINUTES)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    late = open_ticket(gateway, ingestor, desk)
    clock.advance(timedelta(minutes=45))
    wait_until(lambda: listed(gateway, overdue="true", level=desk), what="the ticket overdue")

    sign_in(page, person["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    overdue = page.get_by_role("navigation", name="Views").get_by_role("link", name="Overdue")
    expect(overdue).to_contain_text("1")
    overdue.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue")
    band = row_of(page, late).locator(".sla")
    expect(band).to_contain_text("Overdue")
    expect(band).to_contain_text(re.compile(r"\d+ min late"))
    expect(band).to_have_css("background-color", "rgb(138, 28, 28)")  # the desk's red
    assert serious_violations(page) == []

    # Sorted by time left, most pressing first (the default order, as for every sort), the
    # overdue ticket comes before a fresh one of the same level.
    fresh = open_ticket(gateway, ingestor, desk)
    # The sort lists the tickets whose clocks the scan has read, and the page is rendered
    # once: loaded before the scan reads the fresh ticket, it would never show it.
    wait_until(
        lambda: len(listed(gateway, level=desk, sort="sla_due")) == 2,
        what="the fresh ticket's clocks read by the scan",
    )
    page.goto(f"/?level={desk}&sort=sla_due&order=desc")
    rows = page.locator("#rows tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(str(late["protocol"]))
    expect(rows.nth(1).locator(".sla")).to_contain_text("On time")
    expect(rows.nth(1)).to_contain_text(str(fresh["protocol"]))


def test_the_current_filters_saved_as_a_shared_view_appear_with_their_count(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    colleague = agent(gateway, levels=[desk])
    for _ in range(2):
        open_ticket(gateway, ingestor, desk)
    sign_in(page, person["email"])
    page.goto(f"/?level={desk}&status=new")
    expect(page.locator("#rows tr")).to_have_count(2)
    # Keyset paging: one row a page, the next page by the list's cursor.
    page.goto(f"/?level={desk}&status=new&page_size=1")
    first = page.locator("#rows tr").inner_text()
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#rows tr")).to_have_count(1)
    assert page.locator("#rows tr").inner_text() != first
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    page.goto(f"/?level={desk}&status=new")
    name = unique("Novos do nível")
    page.get_by_label("View name").fill(name)
    page.get_by_role("checkbox", name=desk).check()
    page.get_by_role("button", name="Save as a view").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    saved = page.get_by_role("navigation", name="Views").get_by_role("link", name=name)
    expect(saved).to_have_attribute("aria-current", "page")
    expect(saved.locator(".count")).to_have_text(re.compile(r"^2 "))
    expect(page.locator("#rows tr")).to_have_count(2)
    assert serious_violations(page) == []

    # Shared with the level: the colleague sees it, with the same filters.

    with as_agent(gateway, colleague["id"]) as theirs:
        views = {v["name"]: v for v in theirs.get("/v1/views").json()}
    assert views[name]["shared_with"] == [desk] and views[name]["count"] == 2
    assert views[name]["filters"]["level"] == [desk]


def test_moving_a_card_on_the_board_changes_the_ticket_s_status(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    ticket = open_ticket(gateway, ingestor, desk)
    sign_in(page, person["email"])
    page.goto(f"/?view=builtin:level:{desk}")
    page.get_by_role("link", name="Board").click()
    new = page.get_by_role("region", name=re.compile(r"^new"))
    expect(new).to_contain_text(str(ticket["protocol"]))
    assert serious_violations(page) == []

    new.get_by_label(f"Move {ticket['protocol']} to").select_option("pending")
    new.get_by_role("button", name=f"Move {ticket['protocol']}").click()

    expect(page.get_by_role("status")).to_have_text(f"{ticket['protocol']} moved.")
    pending = page.get_by_role("region", name=re.compile(r"^pending"))
    expect(pending).to_contain_text(str(ticket["protocol"]))
    expect(page.get_by_role("region", name=re.compile(r"^new"))).not_to_contain_text(
        str(ticket["protocol"])
    )
    assert gateway.get(f"/v1/tickets/{ticket['id']}").json()["status"] == "pending"


def test_a_bulk_assignment_of_the_selected_rows_reports_each_ticket(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    colleague = agent(gateway, name=unique("Caio"), levels=[desk])
    first = open_ticket(gateway, ingestor, desk)
    second = open_ticket(gateway, ingestor, desk)
    sign_in(page, person["email"])
    page.goto(f"/?level={desk}")
    for ticket in (first, second):
        page.get_by_role("checkbox", name=f"Select {ticket['protocol']}").check()
    page.locator("#bulk").get_by_label("Assign to").select_option(colleague["id"])
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bulk change")
    expect(page.get_by_role("status")).to_have_text("2 changed, 0 refused.")
    for ticket in (first, second):
        outcome = page.get_by_role("row").filter(has_text=str(ticket["protocol"]))
        expect(outcome).to_contain_text("changed")
        assert gateway.get(f"/v1/tickets/{ticket['id']}").json()["assignee"] == colleague["id"]
    assert serious_violations(page) == []


def test_keyboard_shortcuts_move_select_search_open_and_come_back(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    ticket = open_ticket(gateway, ingestor, desk)
    sign_in(page, person["email"])
    page.goto(f"/?level={desk}")
    expect(row_of(page, ticket)).to_be_visible()

    page.keyboard.press("?")
    help_overlay = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_overlay).to_be_visible()
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    expect(help_overlay).to_be_hidden()

    page.keyboard.press("j")
    expect(row_of(page, ticket)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("x")
    expect(page.get_by_role("checkbox", name=f"Select {ticket['protocol']}")).to_be_checked()
    page.keyboard.press("/")
    expect(page.get_by_label("Words")).to_be_focused()
    page.get_by_label("Words").blur()

    page.keyboard.press("j")
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket['protocol']}$"))
    page.keyboard.press("g")
    page.keyboard.press("i")
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
