"""The reports page and the administrators' screens in a real browser (issue 14, parts 6 and
7): a report renders a chart whose table holds the API's figures; an administrator agent
connects an account and sees its health, edits a level's calendar and SLA, invites an agent
(who gets the mail); the ticket page shows the author's panel; axe-core finds no serious
violation on any of these pages. (Playwright with Debian's Chromium: tests/console/browser.py.)"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.console.sessions import mailed_link
from tests.people import level
from tests.support import create_rule, interaction, post, tickets, unique, wait_until


def signed_in_admin(gateway: httpx.Client, stack: Stack, page: Page, **fields: Any) -> None:
    person = invite_and_set_password(gateway, stack, page, admin=True, **fields)
    sign_in(page, person["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


def tickets_in_new_level(
    gateway: httpx.Client, ingestor: httpx.Client, count: int, author: str = "fb-user-1"
) -> tuple[str, list[dict[str, Any]]]:
    desk = level(gateway)["name"]
    keyword = unique("kw").replace("-", "")
    create_rule(
        gateway,
        {
            "name": unique("route"),
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": desk}},
        },
    )
    for n in range(count):
        post(
            ingestor,
            interaction(thread=unique("thread"), text=f"pedido {n} {keyword}", author_id=author),
        )
    opened = wait_until(
        lambda: found if len(found := tickets(gateway, level=desk)) >= count else None,
        timeout=30,
        what=f"{count} tickets in {desk}",
    )
    return desk, opened


def test_a_report_renders_a_chart_beside_the_api_s_figures(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk, _ = tickets_in_new_level(gateway, ingestor, 3)
    today = datetime.now(UTC).date().isoformat()
    query = {"since": today, "until": today, "split": "level"}

    def counted() -> dict[str, Any] | None:
        report = gateway.get("/v1/reports/volume", params=query).json()
        return report if report["periods"][0]["values"].get(desk) == 3 else None

    api = wait_until(counted, timeout=30, what="the report to count the level's tickets")
    signed_in_admin(gateway, stack, page)
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("From").fill(today)
    page.get_by_label("To").fill(today)
    page.get_by_label("Split by").select_option("level")
    page.get_by_role("button", name="Show").click()
    chart = page.get_by_role("img", name="Chart: Volume")
    expect(chart).to_be_visible()
    assert chart.locator("rect.bar").count() >= 1
    table = page.locator(".report-table table")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = [c.strip() for c in table.locator("tbody tr").first.locator("th, td").all_inner_texts()]
    shown = dict(zip(headers, row, strict=True))
    assert shown["Period"] == today
    assert shown[desk] == "3" == str(api["periods"][0]["values"][desk])
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    csv_text = download.value.path().read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].startswith("start,total")
    assert serious_violations(page) == []


def test_an_admin_connects_an_account_and_sees_its_health(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    signed_in_admin(gateway, stack, page)
    page.get_by_role("link", name="Admin").click()
    account = unique("loja").lower()
    # The form, not the page: every account already listed has its own name field too.
    connect = page.get_by_role("form", name="Connect account")
    connect.get_by_label("Id", exact=True).fill(account)
    connect.get_by_label("Channel").select_option("facebook")
    connect.get_by_label("Network id").fill(unique("page"))
    connect.get_by_label("Name", exact=True).fill("Loja Centro")
    connect.get_by_label("Credential name").fill("page_token")
    connect.get_by_label("Secret (never shown again)").fill("s3cr3t-token-value")
    connect.get_by_role("button", name="Connect account").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    row = page.locator("tr.account").filter(has_text=account)
    expect(row.locator(".badge")).to_have_text("ok")
    assert "s3cr3t-token-value" not in page.content()
    stored = gateway.get(f"/v1/accounts/{account}").json()
    assert stored["has_credentials"] is True and stored["name"] == "Loja Centro"

    row.get_by_label("Active").uncheck()
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    row = page.locator("tr.account").filter(has_text=account)
    expect(row.locator(".badge")).to_have_text("disabled")
    assert gateway.get(f"/v1/accounts/{account}").json()["active"] is False
    assert serious_violations(page) == []


def test_an_admin_edits_a_level_s_calendar_and_sla(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    calendar = unique("horario")
    made = gateway.post("/v1/calendars", json={"name": calendar, "timezone": "America/Sao_Paulo"})
    assert made.status_code == 201, made.text
    desk = level(gateway)["name"]
    signed_in_admin(gateway, stack, page)
    page.goto("/admin/levels")
    section = page.locator("section.calendar").filter(has_text=calendar)
    section.get_by_label("Monday · opens").fill("09:00")
    section.get_by_label("Monday · closes").fill("18:00")
    section.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    weekly = gateway.get(f"/v1/calendars/{calendar}").json()["weekly"]
    assert weekly == {"mon": [{"start": "09:00", "end": "18:00"}]}

    row = page.locator("tr.level").filter(has_text=desk)
    row.get_by_label("Calendar").select_option(calendar)
    row.get_by_label("First response (minutes)").fill("30")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    saved = gateway.get(f"/v1/levels/{desk}").json()
    assert saved["calendar"] == calendar
    assert saved["sla"]["first_response"] == {"amount": 30, "unit": "minutes"}

    section = page.locator("section.calendar").filter(has_text=calendar)
    section.get_by_label("Monday · opens").fill("25:00")
    section.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Could not do that")
    assert serious_violations(page) == []


def test_an_admin_invites_an_agent_who_gets_the_link(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    desk = level(gateway)["name"]
    signed_in_admin(gateway, stack, page)
    page.goto("/admin/agents")
    new_id = unique("caio")
    email = f"{new_id}@example.com"
    invite = page.get_by_role("form", name="Invite an agent")
    invite.get_by_label("Id", exact=True).fill(new_id)
    invite.get_by_label("Name", exact=True).fill("Caio Prado")
    invite.get_by_label("E-mail").fill(email)
    invite.get_by_label("Language").select_option("en")
    invite.get_by_label("Level", exact=True).select_option(desk)
    invite.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_have_text(f"Invitation sent to {email}.")
    assert mailed_link(stack, email).startswith("http")
    created = gateway.get(f"/v1/agents/{new_id}").json()
    assert (created["levels"], created["admin"]) == ([desk], False)

    form = page.get_by_role("form", name="Caio Prado")
    form.get_by_label("Administrator").check()
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert gateway.get(f"/v1/agents/{new_id}").json()["admin"] is True
    assert serious_violations(page) == []


def test_the_ticket_page_shows_the_author_s_panel(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    author = unique("fb-author")
    desk, opened = tickets_in_new_level(gateway, ingestor, 2, author=author)
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    sign_in(page, person["email"])
    first, second = sorted(str(t["protocol"]) for t in opened)
    page.goto(f"/tickets/{first}")
    panel = page.locator("section.author-panel")
    expect(panel.get_by_role("heading", name="Maria Souza")).to_be_visible()
    expect(panel.locator(".other-tickets")).to_contain_text(second)
    expect(panel.locator(".identities")).to_contain_text("facebook")
    assert serious_violations(page) == []


def test_an_agent_who_is_not_an_administrator_is_refused_the_admin_screens(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    person = invite_and_set_password(gateway, stack, page)
    sign_in(page, person["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    assert page.get_by_role("link", name="Admin").count() == 0
    response = page.goto("/admin/accounts")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_have_text("Only administrators can open this page.")


def test_the_ticket_page_tabs_show_the_reply_tree_and_the_notes_apart(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk, [ticket] = tickets_in_new_level(gateway, ingestor, 1)
    full = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    first = full["interactions"][0]["interaction"]
    answer = unique("Respondendo ao comentário")
    post(
        ingestor,
        interaction(
            thread=first["thread_id"],
            text=answer,
            author_id="fb-user-2",
            author_name="João Lima",
            parent_id=first["external_id"],
            minutes=5,
        ),
    )
    wait_until(
        lambda: len(gateway.get(f"/v1/tickets/{ticket['id']}").json()["interactions"]) == 2,
        timeout=30,
        what="the answer in the same ticket",
    )
    noted = gateway.post(f"/v1/tickets/{ticket['id']}/notes", json={"text": "nota só nossa"})
    assert noted.status_code in (200, 201), noted.text
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    sign_in(page, person["email"])
    page.goto(f"/tickets/{ticket['protocol']}")
    tabs = page.get_by_role("navigation", name="Conversation")
    tabs.get_by_role("link", name="Public").click()
    conversation = page.locator("ol.conversation[data-show=public]")
    expect(conversation.locator("ol.replies")).to_contain_text(answer)  # under its parent
    expect(conversation).not_to_contain_text("nota só nossa")
    tabs.get_by_role("link", name="Internal").click()
    internal = page.locator("ol.conversation[data-show=internal]")
    expect(internal).to_contain_text("nota só nossa")
    expect(internal).not_to_contain_text(answer)
    tabs.get_by_role("link", name="All").click()
    everything = page.locator("ol.conversation[data-show=all]")
    expect(everything).to_contain_text("nota só nossa")
    expect(everything).to_contain_text(answer)
    assert serious_violations(page) == []


def test_the_ticket_page_merges_opens_a_sub_ticket_and_exports(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk, opened = tickets_in_new_level(gateway, ingestor, 2)
    # Earlier as ticketing judges a merge: by opening time (two replicas may number two
    # tickets opened together in the other order).
    earlier, later = sorted(opened, key=lambda t: (t["opened_at"], str(t["protocol"])))
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    sign_in(page, person["email"])
    page.goto(f"/tickets/{earlier['protocol']}")
    page.get_by_label("Sub-ticket title").fill("Pedir laudo à transportadora")
    page.get_by_role("button", name="Open sub-ticket").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pedir laudo à transportadora")
    page.goto(f"/tickets/{earlier['protocol']}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download transcript").click()
    assert str(earlier["protocol"]) in download.value.path().read_text(encoding="utf-8")

    page.goto(f"/tickets/{later['protocol']}")
    page.get_by_label("Merge into an earlier ticket (protocol)").fill(str(earlier["protocol"]))
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(earlier["protocol"]))
    merged = gateway.get(f"/v1/tickets/{later['id']}").json()
    assert (merged["status"], merged["merged_into"]) == ("closed", earlier["id"])
    assert serious_violations(page) == []
