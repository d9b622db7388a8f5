"""The administrators' screens of issue 14 part 7 that complete the accounts, levels and agents
lists, in a real browser: an administrator deletes an account after confirming it, creates a
level with its calendar and SLA policy and edits them, edits a calendar's weekly hours,
holidays and exceptions, and changes an agent's levels and teams (and creates a team); each
time the API shows the result and axe-core finds no serious violation. An agent who is not an
administrator is refused these pages; the pages speak pt-BR to a Portuguese-speaking
administrator. (The POST forms' refusals for non-administrators and without a session are
tests/console/test_console_admin_access.py.)"""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.console.sessions import console_session
from tests.console.test_console_admin import signed_in_admin
from tests.people import agent, level, team
from tests.support import unique


def connected_account(gateway: httpx.Client) -> str:
    account = unique("loja").lower()
    made = gateway.post(
        "/v1/accounts",
        json={"id": account, "channel": "facebook", "network_id": account, "name": "Loja Sul"},
    )
    assert made.status_code == 201, made.text
    return account


def calendar_named(gateway: httpx.Client) -> str:
    name = unique("horario")
    made = gateway.post("/v1/calendars", json={"name": name, "timezone": "America/Sao_Paulo"})
    assert made.status_code == 201, made.text
    return name


def test_an_admin_deletes_an_account_after_confirming(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    kept, doomed = connected_account(gateway), connected_account(gateway)
    signed_in_admin(gateway, stack, page)
    page.goto("/admin/accounts")
    page.locator("tr.account").filter(has_text=doomed).get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete the account {doomed}")
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="No, keep the account").click()  # changing one's mind
    assert gateway.get(f"/v1/accounts/{doomed}").status_code == 200

    page.locator("tr.account").filter(has_text=doomed).get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Yes, delete the account").click()
    expect(page.get_by_role("status")).to_have_text("Deleted.")
    expect(page.locator("tr.account").filter(has_text=doomed)).to_have_count(0)
    expect(page.locator("tr.account").filter(has_text=kept)).to_have_count(1)
    assert gateway.get(f"/v1/accounts/{doomed}").status_code == 404
    assert gateway.get(f"/v1/accounts/{kept}").status_code == 200
    assert serious_violations(page) == []


def test_an_admin_creates_a_level_with_its_calendar_and_sla_then_edits_them(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    first_calendar, second_calendar = calendar_named(gateway), calendar_named(gateway)
    name = unique("nivel")
    signed_in_admin(gateway, stack, page)
    page.goto("/admin/levels")
    form = page.get_by_role("form", name="New level")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Calendar").select_option(first_calendar)
    form.get_by_label("First response: amount").fill("30")
    form.get_by_label("Resolution: amount").fill("2")
    form.get_by_label("Resolution: unit").select_option("days")
    form.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Level {name}")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    created = gateway.get(f"/v1/levels/{name}").json()
    assert created["calendar"] == first_calendar
    assert created["sla"]["first_response"] == {"amount": 30, "unit": "minutes"}
    assert created["sla"]["next_response"] is None
    assert created["sla"]["resolution"] == {"amount": 2, "unit": "days"}
    assert serious_violations(page) == []

    form = page.get_by_role("form", name="Edit calendar and SLA")
    expect(form.get_by_label("Resolution: amount")).to_have_value("2")  # as stored
    form.get_by_label("Calendar").select_option(second_calendar)
    form.get_by_label("Next response: amount").fill("4")
    form.get_by_label("Next response: unit").select_option("hours")
    form.get_by_label("First response: amount").fill("")
    form.get_by_label("on hold").uncheck()
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    edited = gateway.get(f"/v1/levels/{name}").json()
    assert edited["calendar"] == second_calendar
    assert edited["sla"]["first_response"] is None
    assert edited["sla"]["next_response"] == {"amount": 4, "unit": "hours"}
    assert edited["sla"]["resolution"] == {"amount": 2, "unit": "days"}
    assert edited["sla"]["pausing_statuses"] == ["pending"]

    # The levels list edits targets in minutes only: one in business days is shown there,
    # and saving the row keeps it.
    page.goto("/admin/levels")
    row = page.locator("tr.level").filter(has_text=name)
    expect(row).to_contain_text("Resolution: 2 business days")
    row.get_by_label("First response (minutes)").fill("45")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    listed = gateway.get(f"/v1/levels/{name}").json()["sla"]
    assert listed["first_response"] == {"amount": 45, "unit": "minutes"}
    assert listed["resolution"] == {"amount": 2, "unit": "days"}
    edited = gateway.get(f"/v1/levels/{name}").json()

    page.goto(f"/admin/levels/{name}")
    form = page.get_by_role("form", name="Edit calendar and SLA")
    form.get_by_label("Next response: amount").fill("quatro")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("not a whole number")
    assert gateway.get(f"/v1/levels/{name}").json()["sla"] == edited["sla"]
    assert serious_violations(page) == []


def test_an_admin_edits_a_calendar_s_hours_holidays_and_exceptions(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    calendar = calendar_named(gateway)
    signed_in_admin(gateway, stack, page)
    page.goto("/admin/levels")
    page.get_by_role("link", name=f"Hours, holidays and exceptions · {calendar}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Calendar {calendar}")
    hours = page.get_by_role("form", name="Weekly hours")
    hours.get_by_label("Monday").fill("09:00-12:00, 13:00-18:00")
    hours.get_by_label("Saturday").fill("09:00-13:00")
    hours.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert gateway.get(f"/v1/calendars/{calendar}").json()["weekly"] == {
        "mon": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
        "sat": [{"start": "09:00", "end": "13:00"}],
    }
    # The levels page's one-opening-a-day form shows Monday's two openings and keeps them.
    page.goto("/admin/levels")
    section = page.locator("section.calendar").filter(has_text=calendar)
    expect(section).to_contain_text("09:00-12:00, 13:00-18:00")
    section.get_by_label("Tuesday · opens").fill("10:00")
    section.get_by_label("Tuesday · closes").fill("16:00")
    section.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert gateway.get(f"/v1/calendars/{calendar}").json()["weekly"] == {
        "mon": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
        "tue": [{"start": "10:00", "end": "16:00"}],
        "sat": [{"start": "09:00", "end": "13:00"}],
    }
    page.goto(f"/admin/calendars/{calendar}")

    holiday = page.get_by_role("form", name="New holiday")
    holiday.get_by_label("Name").fill("Natal")
    holiday.get_by_label("Every year on (MM-DD)").fill("12-25")
    holiday.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    holiday = page.get_by_role("form", name="New holiday")
    holiday.get_by_label("Name").fill("Eleição")
    holiday.get_by_label("On a date (once)").fill("2026-10-04")
    holiday.get_by_role("button", name="Add").click()
    expect(page.locator("tr.holiday")).to_have_count(2)
    exception = page.get_by_role("form", name="New exception")
    exception.get_by_label("Date").fill("2026-12-24")
    exception.get_by_label("Hours on that day").fill("09:00-12:00")
    exception.get_by_label("Name").fill("Véspera de Natal")
    exception.get_by_role("button", name="Add").click()
    expect(page.locator("tr.exception")).to_contain_text("09:00-12:00")
    stored = gateway.get(f"/v1/calendars/{calendar}").json()
    assert stored["holidays"] == [
        {"name": "Natal", "date": None, "yearly": "12-25"},
        {"name": "Eleição", "date": "2026-10-04", "yearly": None},
    ]
    assert stored["exceptions"] == [
        {
            "date": "2026-12-24",
            "hours": [{"start": "09:00", "end": "12:00"}],
            "name": "Véspera de Natal",
        }
    ]
    assert serious_violations(page) == []

    page.get_by_role("button", name="Remove Eleição").click()
    expect(page.locator("tr.holiday")).to_have_count(1)
    page.get_by_role("button", name="Remove 2026-12-24").click()
    expect(page.locator("tr.exception")).to_have_count(0)
    stored = gateway.get(f"/v1/calendars/{calendar}").json()
    assert [h["name"] for h in stored["holidays"]] == ["Natal"] and stored["exceptions"] == []

    holiday = page.get_by_role("form", name="New holiday")
    holiday.get_by_label("Name").fill("Ambíguo")
    holiday.get_by_label("On a date (once)").fill("2026-11-02")
    holiday.get_by_label("Every year on (MM-DD)").fill("11-02")
    holiday.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_contain_text("either a date (once) or a yearly MM-DD")
    hours = page.get_by_role("form", name="Weekly hours")
    hours.get_by_label("Tuesday").fill("nine to five")
    hours.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("is not an opening")
    assert gateway.get(f"/v1/calendars/{calendar}").json() == stored
    assert serious_violations(page) == []


def test_an_admin_changes_an_agent_s_levels_and_teams_and_creates_a_team(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    old_level, new_level = level(gateway)["name"], level(gateway)["name"]
    old_team = team(gateway)["name"]
    who = f"Bia Castro {unique('n')}"  # the agents list is shared: a name only this test uses
    person = agent(gateway, name=who, levels=[old_level], teams=[old_team])
    signed_in_admin(gateway, stack, page)
    page.goto("/admin/agents")
    new_team = unique("equipe")
    form = page.get_by_role("form", name="New team")
    form.get_by_label("Name").fill(new_team)
    form.get_by_label("Description").fill("Atendimento de fim de semana")
    form.get_by_role("button", name="Create").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    made = gateway.get(f"/v1/teams/{new_team}").json()
    assert (made["description"], made["agents"]) == ("Atendimento de fim de semana", [])

    page.get_by_role("link", name=who, exact=True).click()  # not its row's "Delete {who}"
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Agent {who}")
    levels = page.get_by_role("group", name="Levels they work")
    teams = page.get_by_role("group", name="Teams they belong to")
    expect(levels.get_by_label(old_level)).to_be_checked()
    expect(teams.get_by_label(old_team)).to_be_checked()
    levels.get_by_label(old_level).uncheck()
    levels.get_by_label(new_level).check()
    teams.get_by_label(new_team).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    changed = gateway.get(f"/v1/agents/{person['id']}").json()
    assert (changed["levels"], sorted(changed["teams"])) == (
        [new_level],
        sorted([old_team, new_team]),
    )
    assert person["id"] in gateway.get(f"/v1/teams/{new_team}").json()["agents"]
    assert person["id"] in gateway.get(f"/v1/levels/{new_level}").json()["agents"]
    assert person["id"] not in gateway.get(f"/v1/levels/{old_level}").json()["agents"]
    assert serious_violations(page) == []


def test_an_agent_who_is_not_an_administrator_is_refused_these_screens(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    account, calendar = connected_account(gateway), calendar_named(gateway)
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page)
    sign_in(page, person["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    for path in (
        f"/admin/accounts/{account}/delete",
        f"/admin/levels/{desk}",
        f"/admin/calendars/{calendar}",
        f"/admin/agents/{person['id']}",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("alert")).to_have_text("Only administrators can open this page.")
    assert gateway.get(f"/v1/accounts/{account}").status_code == 200


def test_the_screens_speak_portuguese_to_a_portuguese_speaking_admin(
    stack: Stack, gateway: httpx.Client
) -> None:
    calendar, desk = calendar_named(gateway), level(gateway)["name"]
    boss = agent(gateway, admin=True, language="pt-BR")
    with console_session(gateway, stack, boss) as client:
        shown = client.get(f"/admin/calendars/{calendar}").text
        assert f"Calendário {calendar}" in shown and "Todo ano em (MM-DD)" in shown
        assert "Feriados" in shown and "Exceções" in shown
        shown = client.get(f"/admin/levels/{desk}").text
        assert "Editar calendário e SLA" in shown and "dias úteis" in shown
        shown = client.get(f"/admin/agents/{boss['id']}").text
        assert "Níveis em que trabalha" in shown and "Equipes de que faz parte" in shown
        # No form is taken without its token, even from an administrator's browser.
        forged = client.post(f"/admin/calendars/{calendar}/holidays", data={"yearly": "01-01"})
        assert forged.status_code == 403
    assert gateway.get(f"/v1/calendars/{calendar}").json()["holidays"] == []
