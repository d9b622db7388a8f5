"""Deleting levels, calendars, agents and teams from the administrators' screens, in a real
browser: each after a confirmation page that names it, with a way back; a delete the service
refuses (a calendar a level still uses, a level that still has open tickets, a team that still
has agents, the administrator themselves) keeps the entry and shows the reason on the page;
once its users are gone the delete goes through and the API no longer has it. axe-core finds
no serious violation on the confirmation and refusal pages."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import serious_violations
from tests.console.sessions import console_session, csrf_of
from tests.console.test_console_admin import signed_in_admin
from tests.console.test_console_admin_screens import calendar_named
from tests.people import agent, level, team
from tests.support import unique
from tests.test_tickets_people import ticket_on_level


def test_an_admin_deletes_a_level_then_its_calendar_after_the_refusal_says_who_uses_it(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    calendar = calendar_named(gateway)
    doomed = level(gateway, calendar=calendar)["name"]
    signed_in_admin(gateway, stack, page)

    page.goto(f"/admin/calendars/{calendar}")
    page.get_by_role("link", name=f"Delete {calendar}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete the calendar {calendar}")
    page.get_by_role("button", name="Yes, delete the calendar").click()
    expect(page.get_by_role("alert")).to_contain_text(f"is the calendar of level(s) {doomed}")
    assert page.get_by_role("heading", level=1).inner_text() == f"Delete the calendar {calendar}"
    assert gateway.get(f"/v1/calendars/{calendar}").status_code == 200
    assert serious_violations(page) == []

    page.goto(f"/admin/levels/{doomed}")
    page.get_by_role("link", name=f"Delete {doomed}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete the level {doomed}")
    assert serious_violations(page) == []
    page.get_by_role("link", name="No, keep the level").click()  # changing one's mind
    expect(page.get_by_role("heading", level=1)).to_contain_text("Levels")
    assert gateway.get(f"/v1/levels/{doomed}").status_code == 200

    page.goto(f"/admin/levels/{doomed}/delete")
    page.get_by_role("button", name="Yes, delete the level").click()
    expect(page.get_by_role("status")).to_have_text("Deleted.")
    expect(page.locator("tr.level").filter(has_text=doomed)).to_have_count(0)
    assert gateway.get(f"/v1/levels/{doomed}").status_code == 404

    page.goto(f"/admin/calendars/{calendar}/delete")
    page.get_by_role("button", name="Yes, delete the calendar").click()
    expect(page.get_by_role("status")).to_have_text("Deleted.")
    assert gateway.get(f"/v1/calendars/{calendar}").status_code == 404


def test_a_level_with_an_open_ticket_is_kept_and_the_page_says_how_many(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    busy, other = level(gateway)["name"], level(gateway)["name"]
    ticket = ticket_on_level(gateway, ingestor, busy)
    signed_in_admin(gateway, stack, page)

    page.goto(f"/admin/levels/{busy}/delete")
    page.get_by_role("button", name="Yes, delete the level").click()
    expect(page.get_by_role("alert")).to_contain_text(f"the level '{busy}' still has 1 open")
    assert page.get_by_role("heading", level=1).inner_text() == f"Delete the level {busy}"
    assert gateway.get(f"/v1/levels/{busy}").status_code == 200
    assert serious_violations(page) == []

    moved = gateway.patch(f"/v1/tickets/{ticket['id']}", json={"level": other})
    assert moved.status_code == 200, moved.text
    page.goto(f"/admin/levels/{busy}/delete")
    page.get_by_role("button", name="Yes, delete the level").click()
    expect(page.get_by_role("status")).to_have_text("Deleted.")
    assert gateway.get(f"/v1/levels/{busy}").status_code == 404


def test_an_admin_deletes_an_agent_then_the_team_that_was_refused_while_they_were_in_it(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    crew = team(gateway)["name"]
    member = agent(gateway, name=unique("Bia"), teams=[crew])
    signed_in_admin(gateway, stack, page)

    page.goto("/admin/agents")
    page.get_by_role("link", name=f"Delete {crew}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete the team {crew}")
    page.get_by_role("button", name="Yes, delete the team").click()
    expect(page.get_by_role("alert")).to_contain_text(f"still has agents ({member['id']})")
    assert gateway.get(f"/v1/teams/{crew}").status_code == 200
    assert serious_violations(page) == []

    page.goto(f"/admin/agents/{member['id']}")
    page.get_by_role("link", name=f"Delete {member['name']}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete the agent {member['id']}")
    page.get_by_role("button", name="Yes, delete the agent").click()
    expect(page.get_by_role("status")).to_have_text("Deleted.")
    assert gateway.get(f"/v1/agents/{member['id']}").status_code == 404

    page.get_by_role("link", name=f"Delete {crew}").click()
    page.get_by_role("button", name="Yes, delete the team").click()
    expect(page.get_by_role("status")).to_have_text("Deleted.")
    expect(page.get_by_role("link", name=f"Delete {crew}")).to_have_count(0)
    assert gateway.get(f"/v1/teams/{crew}").status_code == 404


def test_an_admin_cannot_delete_themselves_and_a_portuguese_speaker_reads_why(
    stack: Stack, gateway: httpx.Client
) -> None:
    boss = agent(gateway, admin=True, language="pt-BR")
    crew = team(gateway)["name"]
    with console_session(gateway, stack, boss) as client:
        shown = client.get(f"/admin/teams/{crew}/delete").text
        assert f"Excluir a equipe {crew}" in shown and "Não, manter a equipe" in shown
        refused = client.post(f"/admin/agents/{boss['id']}/delete", data={"csrf": csrf_of(client)})
        assert refused.status_code == 409
        assert "Você não pode excluir a si mesmo" in refused.text
        assert f"Excluir o agente {boss['id']}" in refused.text  # the confirmation, again
    assert gateway.get(f"/v1/agents/{boss['id']}").status_code == 200


def test_an_admin_deletes_a_level_from_its_row_in_the_list_with_the_keyboard(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    doomed, kept = level(gateway)["name"], level(gateway)["name"]
    signed_in_admin(gateway, stack, page)

    page.goto("/admin/levels")
    row = page.locator("tr.level").filter(has_text=doomed)
    link = row.get_by_role("link", name=f"Delete {doomed}")
    row.get_by_role("button", name="Save").focus()
    page.keyboard.press("Tab")  # the row's next stop is its delete link
    expect(link).to_be_focused()
    assert serious_violations(page) == []
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete the level {doomed}")
    page.get_by_role("button", name="Yes, delete the level").click()
    expect(page.get_by_role("status")).to_have_text("Deleted.")
    expect(page.locator("tr.level").filter(has_text=doomed)).to_have_count(0)
    expect(page.get_by_role("link", name=f"Delete {kept}")).to_be_visible()
    assert gateway.get(f"/v1/levels/{doomed}").status_code == 404
    assert gateway.get(f"/v1/levels/{kept}").status_code == 200


def test_every_row_of_the_admin_lists_links_to_its_delete_page_in_the_admins_language(
    stack: Stack, gateway: httpx.Client
) -> None:
    """Levels, calendars, agents and teams; an administrator is not offered to delete
    themselves (the service would refuse it)."""
    boss = agent(gateway, admin=True, language="pt-BR")
    other = agent(gateway, name=unique("Caio"))
    desk, crew = level(gateway)["name"], team(gateway)["name"]
    calendar = calendar_named(gateway)
    with console_session(gateway, stack, boss) as client:
        levels = client.get("/admin/levels").text
        hidden = '<span class="visually-hidden">'
        link = f'href="/admin/levels/{desk}/delete" class="danger-link">Excluir{hidden} {desk}<'
        assert link in levels
        assert (
            f'href="/admin/calendars/{calendar}/delete" class="danger-link">Excluir{hidden} '
            f"{calendar}<"
        ) in levels
        agents = client.get("/admin/agents").text
        assert (
            f'href="/admin/agents/{other["id"]}/delete" class="danger-link">Excluir{hidden} '
            f"{other['name']}<"
        ) in agents
        assert f'href="/admin/teams/{crew}/delete" class="danger-link">Excluir {crew}<' in agents
        assert f'href="/admin/agents/{boss["id"]}/delete"' not in agents
        for page in (f"/admin/levels/{desk}/delete", f"/admin/agents/{other['id']}/delete"):
            assert client.get(page).status_code == 200  # where the links lead
