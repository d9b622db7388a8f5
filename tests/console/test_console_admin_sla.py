"""A level's SLA targets by priority and its colour bands on the level's page, in a real
browser: an administrator sets a priority's own targets (each with its unit) and where the
bands turn yellow and red, saves, and the API has them while the page reads them back; bands
in the wrong order are refused with the contracts' reason and change nothing; emptying a
priority's targets gives it the level's again. axe-core finds no serious violation."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import serious_violations
from tests.console.test_console_admin import signed_in_admin
from tests.people import level


def test_an_admin_sets_a_priority_s_targets_and_the_bands_and_reads_them_back(
    stack: Stack, gateway: httpx.Client, page: Page
) -> None:
    name = level(gateway, sla={"first_response": {"amount": 30, "unit": "minutes"}})["name"]
    signed_in_admin(gateway, stack, page)
    page.goto(f"/admin/levels/{name}")
    form = page.get_by_role("form", name="Edit calendar and SLA")
    expect(form.get_by_label("Yellow from (%)")).to_have_value("50")  # the defaults
    expect(form.get_by_label("Red from (%)")).to_have_value("80")
    form.get_by_label("First response (high): amount").fill("10")
    form.get_by_label("Resolution (high): amount").fill("4")
    form.get_by_label("Resolution (high): unit").select_option("hours")
    form.get_by_label("Yellow from (%)").fill("60")
    form.get_by_label("Red from (%)").fill("92.5")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")

    sla = gateway.get(f"/v1/levels/{name}").json()["sla"]
    assert sla["first_response"] == {"amount": 30, "unit": "minutes"}  # the level's, kept
    assert sla["by_priority"] == {
        "high": {
            "first_response": {"amount": 10, "unit": "minutes"},
            "next_response": None,
            "resolution": {"amount": 4, "unit": "hours"},
        }
    }
    assert (sla["yellow_at"], sla["red_at"]) == (0.6, 0.925)
    form = page.get_by_role("form", name="Edit calendar and SLA")
    expect(form.get_by_label("First response (high): amount")).to_have_value("10")
    expect(form.get_by_label("Resolution (high): amount")).to_have_value("4")
    expect(form.get_by_label("Resolution (high): unit")).to_have_value("hours")
    expect(form.get_by_label("Yellow from (%)")).to_have_value("60")
    expect(form.get_by_label("Red from (%)")).to_have_value("92.5")
    assert serious_violations(page) == []

    form.get_by_label("Yellow from (%)").fill("95")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("must come before red_at")
    assert gateway.get(f"/v1/levels/{name}").json()["sla"] == sla

    page.goto(f"/admin/levels/{name}")
    form = page.get_by_role("form", name="Edit calendar and SLA")
    form.get_by_label("First response (high): amount").fill("")
    form.get_by_label("Resolution (high): amount").fill("")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    emptied = gateway.get(f"/v1/levels/{name}").json()["sla"]
    assert emptied["by_priority"] == {}
    assert emptied["first_response"] == {"amount": 30, "unit": "minutes"}
    assert (emptied["yellow_at"], emptied["red_at"]) == (0.6, 0.925)
