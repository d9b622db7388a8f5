"""Replies in the console, in a real browser, against the fake Graph API: an agent answers a
ticket with a canned response picked by its shortcut and the fake network receives it filled;
a moderated level's reply waits, a supervisor approves it on the Approvals page, and it is
sent. The Approvals and Canned responses pages pass axe-core."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.people import as_agent
from tests.support import unique, wait_until
from tests.test_approvals import moderate
from tests.test_replies import Desk, page_comment_on, sent_to_graph
from tests.test_webhooks_meta import fake_meta  # noqa: F401  (a fixture)


def delivery_of(page: Page, reply_text: str) -> Any:
    return page.locator("li.message").filter(has_text=reply_text).locator(".delivery")


def test_the_agent_answers_with_a_canned_response_and_the_fake_network_receives_it(
    stack: Stack,
    gateway: httpx.Client,
    fake_meta: httpx.Client,  # noqa: F811
    page: Page,
) -> None:
    desk = Desk(gateway)
    person = invite_and_set_password(
        gateway, stack, page, name="Ana Lima", levels=[desk.level["name"]]
    )
    shortcut = unique("thanks").replace("-", "").lower()
    with as_agent(gateway, person["id"]) as client:
        made = client.post(
            "/v1/canned-responses",
            json={
                "shortcut": shortcut,
                "title": "Thanks",
                "text": "Olá {{ customer_name }}, obrigado! "
                "Protocolo {{ protocol }}. {{ agent_name }}",
                "scope": "level",
                "scope_key": desk.level["name"],
            },
        )
        assert made.status_code == 201, made.text
    _comment, ticket = page_comment_on(desk, fake_meta, "Chegou, obrigada!")
    sign_in(page, person["email"])

    page.goto(f"/tickets/{ticket['protocol']}")
    page.get_by_label("Canned response (shortcut)").press_sequentially(f"/{shortcut[:6]}")
    choice = page.get_by_role("radio", name=f"/{shortcut}")
    expect(choice).to_be_visible()
    choice.check()
    page.get_by_role("button", name="Send reply").click()

    expect(page.get_by_role("status")).to_have_text("Saved.")
    filled = f"Olá Maria Souza, obrigado! Protocolo {ticket['protocol']}. Ana Lima"
    [call] = wait_until(
        lambda: sent_to_graph(fake_meta, filled), timeout=60, what="the reply at the fake Graph API"
    )
    assert call["body"] == {"message": filled}

    def shown_sent() -> bool | None:
        page.reload()
        return "sent" in (delivery_of(page, filled).text_content() or "") or None

    wait_until(shown_sent, timeout=30, what="the reply shown sent on the ticket page")


def test_a_moderated_levels_reply_waits_is_approved_by_a_supervisor_then_sent(
    stack: Stack,
    gateway: httpx.Client,
    fake_meta: httpx.Client,  # noqa: F811
    page: Page,
) -> None:
    desk = Desk(gateway)
    author = invite_and_set_password(gateway, stack, page, levels=[desk.level["name"]])
    supervisor = invite_and_set_password(gateway, stack, page, levels=[desk.level["name"]])
    moderate(gateway, desk, approvers=[supervisor["id"]])
    _comment, ticket = page_comment_on(desk, fake_meta, "Quero trocar o produto")
    text = f"Pode trocar em qualquer loja {unique('r')}"

    sign_in(page, author["email"])
    page.goto(f"/tickets/{ticket['protocol']}")
    page.get_by_label("Reply", exact=True).fill(text)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(delivery_of(page, text)).to_contain_text("waiting for approval")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, supervisor["email"])
    page.get_by_role("link", name="Approvals").click()
    held = page.locator("li.approval").filter(has_text=ticket["protocol"])
    expect(held.get_by_role("textbox", name="Reply")).to_have_value(text)
    assert serious_violations(page) == []
    assert not sent_to_graph(fake_meta, text)
    held.get_by_role("button", name="Approve and send").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("li.approval").filter(has_text=ticket["protocol"])).to_have_count(0)

    [call] = wait_until(
        lambda: sent_to_graph(fake_meta, text), timeout=60, what="the approved reply sent"
    )
    assert call["body"] == {"message": text}

    def shown_sent() -> bool | None:
        page.goto(f"/tickets/{ticket['protocol']}")
        return "sent" in (delivery_of(page, text).text_content() or "") or None

    wait_until(shown_sent, timeout=30, what="the reply shown sent on the ticket page")
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    assert any(
        e["action"] == "reply_approved" and e["actor"] == f"agent:{supervisor['id']}"
        for e in history
    )
    page.goto("/canned")
    assert serious_violations(page) == []
