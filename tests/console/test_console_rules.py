"""The rules pages in a real browser (issue 14, part 5): an administrator writes a rule in the
editor, sees the rules service's refusal beside the field, dry-runs the draft on a pasted
interaction, saves it, backtests it over a date range and reads its history; an agent who is
no administrator reads the rules and dry-runs a draft on a recent interaction, but has no
saving controls (the rules service refuses them anyway); axe-core on each page."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from random import randrange

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.people import level
from tests.support import interaction, post, unique, wait_until


def test_an_admin_writes_a_rule_in_the_editor_dry_runs_it_and_saves_it(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    keyword = unique("garantia").replace("-", "")
    # An interaction of a day of its own, for the backtest to find among the logged ones.
    day = datetime(2019, randrange(1, 13), randrange(1, 29), 10, 0, tzinfo=UTC)
    logged = interaction(thread=unique("t"), text=f"Quero usar a {keyword} do produto")
    post(ingestor, {**logged, "occurred_at": day.isoformat()})
    wait_until(
        lambda: gateway.get("/v1/interactions", params={"text": keyword}).json()["items"],
        what="the interaction stored",
    )
    admin = invite_and_set_password(gateway, stack, page, admin=True)
    sign_in(page, admin["email"])
    page.get_by_role("navigation").get_by_role("link", name="Rules").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rules")
    assert serious_violations(page) == []
    page.get_by_role("link", name="New rule").click()

    name = unique("Garantia")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Conditions (JSON)").fill(
        json.dumps({"text_any": [keyword], "channels": ["fax"]})
    )
    page.get_by_label("Actions (JSON)").fill(json.dumps({"add_tags": ["garantia"]}))
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("alert")).to_contain_text("when → channels → 0")
    expect(page.locator("#errors-when")).to_contain_text("facebook")  # the allowed values
    expect(page.get_by_label("Conditions (JSON)")).to_have_attribute("aria-invalid", "true")
    # The field help is the contract's: every condition, with its allowed values.
    help_panel = page.get_by_role("complementary", name="Rule fields")
    expect(help_panel).to_contain_text("text_expression")
    expect(help_panel).to_contain_text("reclame_aqui")
    assert serious_violations(page) == []

    # A name the desk does not have: the rules service's own 422, shown beside the actions.
    page.get_by_label("Conditions (JSON)").fill(json.dumps({"text_any": [keyword]}))
    page.get_by_label("Actions (JSON)").fill(
        json.dumps({"add_tags": ["garantia"], "set_priority": "altissima"})
    )
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("alert")).to_contain_text("then → set_priority")
    expect(page.locator("#errors-then")).to_contain_text("not on the priority scale")
    page.get_by_label("Actions (JSON)").fill(json.dumps({"add_tags": ["garantia"]}))

    tried = interaction(thread=unique("t"), text=f"A {keyword} vale?")
    page.get_by_label("Or paste an interaction (JSON)").fill(json.dumps(tried))
    page.get_by_role("button", name="Dry run").click()
    result = page.get_by_role("region", name="Dry run result")
    expect(result).to_contain_text("The rule matches.")
    expect(result).to_contain_text(keyword)
    expect(result).to_contain_text('"garantia"')
    assert name not in [r["name"] for r in gateway.get("/v1/rules").json()["items"]]

    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("status").first).to_have_text("Saved.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{name} v1")
    stored = next(r for r in gateway.get("/v1/rules").json()["items"] if r["name"] == name)
    assert stored["when"]["text_any"] == [keyword]
    assert stored["then"]["add_tags"] == ["garantia"]

    page.get_by_label("From", exact=True).fill(day.date().isoformat())
    page.get_by_label("To (included)").fill(day.date().isoformat())
    page.get_by_role("button", name="Run backtest").click()
    backtest = page.get_by_role("region", name="Backtest")
    expect(backtest).to_contain_text(re.compile(r"1 of \d+ interactions would match\."))
    expect(backtest.get_by_role("row").filter(has_text=keyword)).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("link", name="History").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("ol.history")).to_contain_text("created")
    expect(page.locator("ol.history")).to_contain_text(admin["id"])
    assert serious_violations(page) == []


def test_an_agent_reads_the_rules_and_dry_runs_a_recent_interaction_but_cannot_save(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    account = unique("page")
    desk = level(gateway, accounts=[account])["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    keyword = unique("troca").replace("-", "")
    post(ingestor, interaction(thread=unique("t"), text=f"Quero {keyword}", account=account))
    wait_until(
        lambda: gateway.get("/v1/interactions", params={"text": keyword}).json()["items"],
        what="the interaction stored",
    )
    sign_in(page, person["email"])
    page.goto("/rules")
    expect(page.get_by_role("status")).to_contain_text("Only administrators save rules")
    expect(page.get_by_role("link", name="New rule")).to_have_count(0)

    page.goto("/rules/new")
    expect(page.get_by_role("button", name="Save rule")).to_have_count(0)
    page.get_by_label("Name").fill("Troca")
    page.get_by_label("Conditions (JSON)").fill(json.dumps({"text_any": [keyword]}))
    recent = page.locator("#rule-recent option").filter(has_text=keyword)
    page.get_by_label("A recent interaction").select_option(recent.get_attribute("value"))
    page.get_by_role("button", name="Dry run").click()
    result = page.get_by_role("region", name="Dry run result")
    expect(result).to_contain_text("The rule matches.")
    expect(page.get_by_label("Or paste an interaction (JSON)")).to_contain_text(keyword)
    assert serious_violations(page) == []

    # The form cannot be forged into a save: the rules service refuses an agent.
    refused = page.request.post(
        "/rules/save",
        form={
            "csrf": page.locator("input[name=csrf]").first.get_attribute("value") or "",
            "name": "Troca",
            "when": json.dumps({"text_any": [keyword]}),
            "then": json.dumps({"add_tags": ["troca"]}),
        },
    )
    assert refused.status == 403
    assert "Troca" not in [r["name"] for r in gateway.get("/v1/rules").json()["items"]]
