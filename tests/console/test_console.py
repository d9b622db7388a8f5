"""The agents' console in a real browser (issue 14): invited agents choose a password and
sign in; wrong passwords are refused and slowed down; the inbox follows new tickets live; the
ticket page takes a note; signing out ends the session on the server; axe-core finds no
serious accessibility violation. (Playwright with Debian's Chromium: tests/console/browser.py.)"""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, Route, expect

from devtools.launcher import Stack
from tests.console.browser import (
    PASSWORD,
    invite_and_set_password,
    open_context,
    serious_violations,
    sign_in,
)
from tests.people import level
from tests.support import create_rule, interaction, post, tickets, unique, wait_until


def open_ticket_in_level(
    gateway: httpx.Client, ingestor: httpx.Client, level_name: str, text: str
) -> dict[str, object]:
    keyword = unique("kw")
    create_rule(
        gateway,
        {
            "name": unique("route"),
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": level_name}},
        },
    )
    thread = unique("thread")
    post(ingestor, interaction(thread=thread, text=f"{text} {keyword}"))
    return wait_until(
        lambda: next(iter(tickets(gateway, level=level_name)), None),
        timeout=30,
        what="the ticket to be opened",
    )


def test_an_invited_agent_chooses_a_password_and_signs_in(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    person = invite_and_set_password(gateway, stack, page, name="Bia Souza")
    sign_in(page, person["email"])
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.get_by_text("Signed in as Bia Souza")).to_be_visible()


def test_the_invitation_link_works_once(stack: Stack, gateway: httpx.Client, page: Page) -> None:
    invite_and_set_password(gateway, stack, page)
    page.go_back()
    page.reload()
    page.get_by_label("New password").fill("another long password")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("alert")).to_contain_text("used already")


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed_down(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    person = invite_and_set_password(gateway, stack, page)
    sign_in(page, person["email"], "not my password at all")
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail address or password.")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    for _ in range(5):
        sign_in(page, person["email"], "still not my password")
    expect(page.get_by_role("alert")).to_contain_text("Too many failed attempts")
    sign_in(page, person["email"])  # even the right password waits out the minute
    expect(page.get_by_role("alert")).to_contain_text("Too many failed attempts")
    assert page.get_by_role("heading", name="Inbox").count() == 0


def test_a_new_interaction_appears_in_the_inbox_without_a_reload_and_takes_a_note(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    sign_in(page, person["email"])
    page.goto(f"/?level={desk}")
    expect(page.get_by_text("No ticket matches these filters.")).to_be_visible()
    page.evaluate("() => { window.notReloaded = true }")
    text = unique("Meu pedido não chegou")
    ticket = open_ticket_in_level(gateway, ingestor, desk, text)
    row = page.get_by_role("row").filter(has_text=str(ticket["protocol"]))
    expect(row).to_be_visible(timeout=30_000)
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"

    row.get_by_role("link", name=str(ticket["protocol"])).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(ticket["protocol"]))
    expect(page.locator("ol.conversation").get_by_text(text)).to_be_visible()
    page.get_by_label("Internal note").fill("Cliente ligou; aguardando nota fiscal.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    history = page.locator("ol.history")
    expect(history).to_contain_text("Cliente ligou; aguardando nota fiscal.")
    notes = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    assert any(e["action"] == "note" and e["actor"] == f"agent:{person['id']}" for e in notes)


def test_a_ticket_opened_before_the_inbox_follows_live_appears_without_a_reload(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    sign_in(page, person["email"])
    text = unique("Cadê a nota")
    opened: list[dict[str, object]] = []

    def connect_late(route: Route) -> None:
        # The page is drawn but its live stream not yet connected when the ticket opens, as
        # on a slow network or while the stream reconnects: the opening passes unseen.
        if not opened:
            opened.append(open_ticket_in_level(gateway, ingestor, desk, text))
        route.continue_()

    page.route("**/live", connect_late)
    page.goto(f"/?level={desk}")
    page.evaluate("() => { window.notReloaded = true }")
    expect(page.get_by_role("row").filter(has_text=text)).to_be_visible(timeout=30_000)
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"
    assert (
        opened
        and str(opened[0]["protocol"]) in page.get_by_role("row").filter(has_text=text).inner_text()
    )


def test_signing_out_ends_the_session_even_for_a_kept_cookie(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    person = invite_and_set_password(gateway, stack, page)
    sign_in(page, person["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    kept = {"sd_session": cookies["sd_session"]}
    with httpx.Client(base_url=stack.url("gateway"), cookies=kept) as old:
        assert old.get("/").status_code == 200
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You are signed out.")).to_be_visible()
        after = old.get("/")
        assert after.status_code == 303 and after.headers["location"].startswith("/sign-in")


def test_a_deactivated_agent_s_session_ends_at_once(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    person = invite_and_set_password(gateway, stack, page)
    sign_in(page, person["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    off = {k: person[k] for k in ("id", "name", "email", "language", "levels", "teams")}
    assert gateway.put(f"/v1/agents/{person['id']}", json={**off, "active": False}).is_success
    page.reload()
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_a_portuguese_browser_gets_the_console_in_portuguese(
    browser: Browser,
    stack: Stack,
) -> None:
    context = open_context(browser, stack, language="pt-BR")
    try:
        page = context.new_page()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/sign-in"))
        expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
        expect(page.get_by_label("Senha")).to_be_visible()
    finally:
        context.close()


def test_axe_finds_no_serious_violation_on_the_sign_in_inbox_and_ticket_pages(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    ticket = open_ticket_in_level(gateway, ingestor, desk, "Quero cancelar")
    page.goto("/sign-in")
    assert serious_violations(page) == []
    sign_in(page, person["email"], PASSWORD)
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    assert serious_violations(page) == []
    page.goto(f"/tickets/{ticket['protocol']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(ticket["protocol"]))
    assert serious_violations(page) == []


def test_the_alert_mail_link_opens_the_ticket_page_after_signing_in(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    ticket = open_ticket_in_level(gateway, ingestor, desk, "Link do alerta")
    page.goto(f"/tickets/{ticket['protocol']}")  # the address notifier's alert mails carry
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_label("E-mail").fill(person["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket['protocol']}$"))
    expect(page.locator("ol.conversation")).to_contain_text("Link do alerta")
