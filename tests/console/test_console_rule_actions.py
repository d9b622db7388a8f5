"""The rule editor's actions as a form in a real browser (issue 14, part 5): an administrator
removes the example actions, adds two in the form (a select of the rule language's action
types, the fields of the chosen one), dry-runs the draft, saves it, and the API reads back
those two actions; the saved rule opens with its actions in the form again. A row the rules
contract refuses is shown where it is; the JSON stays as the advanced alternative (the
editor's JSON path is tested in test_console_rules.py); axe-core on the page."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.support import interaction, unique


def test_an_admin_writes_two_actions_in_the_form_dry_runs_and_saves_them(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    keyword = unique("defeito").replace("-", "")
    admin = invite_and_set_password(gateway, stack, page, admin=True)
    sign_in(page, admin["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.goto("/rules/new")
    name = unique("Defeito")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Conditions (JSON)").fill(json.dumps({"text_any": [keyword]}))

    rows = page.locator("[data-action-row]")
    expect(rows).to_have_count(2)  # the new rule's example actions, shown in the form
    while rows.count():
        page.get_by_role("button", name="Remove action 1").click()
    expect(page.get_by_role("button", name="Add an action")).to_be_focused()

    page.get_by_role("button", name="Add an action").click()
    first = rows.nth(0)
    expect(first.get_by_label("Action 1")).to_be_focused()
    first.get_by_label("Action 1").select_option(label="Add tags to the ticket")
    first.get_by_label("Add tags to the ticket").fill("defeito, garantia")
    page.get_by_role("button", name="Add an action").click()
    second = rows.nth(1)
    second.get_by_label("Action 2").select_option(label="Open a ticket")
    expect(second.get_by_label("Title template")).to_be_visible()
    expect(second.get_by_label("Add tags to the ticket")).to_be_hidden()
    second.get_by_label("Status", exact=True).select_option("open")
    second.get_by_label("Priority", exact=True).fill("altissima")  # not on the desk's scale
    assert serious_violations(page) == []

    page.get_by_role("button", name="Save rule").click()
    # The rules service's refusal, beside the actions, the rows kept as typed.
    expect(page.locator("#errors-then")).to_contain_text("not on the priority scale")
    expect(rows.nth(1).get_by_label("Priority", exact=True)).to_have_value("altissima")
    assert name not in [r["name"] for r in gateway.get("/v1/rules").json()["items"]]
    rows.nth(1).get_by_label("Priority", exact=True).fill("high")

    tried = interaction(thread=unique("t"), text=f"Chegou com {keyword}")
    page.get_by_label("Or paste an interaction (JSON)").fill(json.dumps(tried))
    page.get_by_role("button", name="Dry run").click()
    result = page.get_by_role("region", name="Dry run result")
    expect(result).to_contain_text("The rule matches.")
    expect(result).to_contain_text('"garantia"')
    # The JSON beside the form shows what the rows made.
    made = json.loads(page.get_by_label("Actions (JSON)").input_value())
    assert made == {
        "add_tags": ["defeito", "garantia"],
        "open_ticket": {"status": "open", "priority": "high"},
    }
    assert serious_violations(page) == []

    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("status").first).to_have_text("Saved.")
    stored = next(r for r in gateway.get("/v1/rules").json()["items"] if r["name"] == name)
    assert stored["then"]["add_tags"] == ["defeito", "garantia"]
    assert stored["then"]["open_ticket"]["status"] == "open"
    assert stored["then"]["open_ticket"]["priority"] == "high"
    assert stored["when"]["text_any"] == [keyword]

    # Opened again, the saved rule's actions are the form's rows.
    page.goto(f"/rules/{stored['id']}")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).get_by_label("Action 1")).to_have_value("open_ticket")
    expect(rows.nth(0).get_by_label("Priority", exact=True)).to_have_value("high")
    expect(rows.nth(1).get_by_label("Action 2")).to_have_value("add_tags")
    expect(rows.nth(1).get_by_label("Add tags to the ticket")).to_have_value("defeito, garantia")
