"""The kanban's drag and drop in a real browser (issue 14, part 2): a card dragged from the
"new" column to "open" changes the ticket's status, as the API then shows; dragged back to
"new" (a transition ticketing refuses with 409) the card returns to "open" and says why on
the card itself. The keyboard's way (the card's own status form) is tested beside the board
in test_console_inbox.py."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.people import level
from tests.test_sla import open_ticket


def test_dragging_a_card_to_another_column_changes_the_status_or_says_why_not(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    ticket = open_ticket(gateway, ingestor, desk)
    protocol = str(ticket["protocol"])
    sign_in(page, person["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.goto(f"/views/builtin:level:{desk}/board")
    expect(page.get_by_text("Drag a card to another column")).to_be_visible()

    def column(status: str):  # type: ignore[no-untyped-def]
        return page.get_by_role("region", name=re.compile(rf"^{status}\b"))

    def card_in(status: str):  # type: ignore[no-untyped-def]
        return column(status).locator("li.card").filter(has_text=protocol)

    expect(card_in("new")).to_have_count(1)
    card_in("new").drag_to(column("open"))

    expect(page.get_by_role("status")).to_have_text(f"{protocol} moved.")
    expect(card_in("open")).to_have_count(1)
    expect(card_in("new")).to_have_count(0)
    assert gateway.get(f"/v1/tickets/{ticket['id']}").json()["status"] == "open"
    # The board was swapped in place, not reloaded: the focus is back on the moved card.
    expect(card_in("open").get_by_role("link", name=protocol)).to_be_focused()
    assert serious_violations(page) == []

    # Nothing becomes "new" again: ticketing refuses, and the card comes back saying why.
    card_in("open").drag_to(column("new"))
    refusal = card_in("open").get_by_role("alert")
    expect(refusal).to_contain_text("cannot become new")
    expect(card_in("new")).to_have_count(0)
    assert gateway.get(f"/v1/tickets/{ticket['id']}").json()["status"] == "open"
    assert serious_violations(page) == []
