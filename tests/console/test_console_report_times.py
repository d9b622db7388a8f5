"""The times report's chart in a real browser (issue 14, part 6): beside the table, each of
first response and resolution is drawn with both figures the report has, the median and the
90th percentile, side by side; the table holds the API's figures. Tickets are dated from
their interactions (a day of the test's own), so only this test's tickets are counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.people import as_agent
from tests.support import interaction, post, wait_until
from tests.test_reports import Desk

DAY = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
ANSWERED_AFTER = (60, 180)  # minutes: median 1 h, 90th percentile 3 h (nearest rank)


def test_the_times_chart_shows_the_median_and_the_90th_percentile_beside_the_table(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page
) -> None:
    desk = Desk(gateway)
    for minutes in ANSWERED_AFTER:
        thread = desk.open(ingestor, DAY)
        answer = DAY + timedelta(minutes=minutes)
        post(
            ingestor,
            interaction(
                thread=thread,
                text="Olá, já vamos ver",
                direction="outbound",
                author_id="acme-page",
                occurred_at=answer.isoformat(),
            ),
        )
    day = DAY.date().isoformat()
    query = {"since": day, "until": day}

    def answered() -> dict[str, Any] | None:
        with as_agent(gateway, desk.agent) as client:
            body = client.get("/v1/reports/times", params=query).json()
        figures = body["periods"][0]["first_response"]
        return figures if figures["count"] == len(ANSWERED_AFTER) else None

    api = wait_until(answered, timeout=30, what="the times report to count both answers")
    person = invite_and_set_password(gateway, stack, page, levels=desk.levels)
    sign_in(page, person["email"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.goto("/reports")
    page.get_by_role("combobox", name="Report").select_option("times")
    page.get_by_label("From").fill(day)
    page.get_by_label("To").fill(day)
    page.get_by_role("button", name="Show").click()

    chart = page.get_by_role("img", name="Chart: First response · median (h), p90 (h)")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.bar title")
    expect(bars).to_have_count(2)  # one day: its median and its p90, side by side
    assert bars.all_text_contents() == [f"{day} · median (h): 1", f"{day} · p90 (h): 3"]
    expect(chart).to_contain_text("median (h)")  # the legend names both
    expect(chart).to_contain_text("p90 (h)")
    expect(page.get_by_role("img", name="Chart: Resolution · median (h), p90 (h)")).to_be_visible()

    table = page.locator(".report-table table")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = [c.strip() for c in table.locator("tbody tr").first.locator("th, td").all_inner_texts()]
    shown = dict(zip(headers, row, strict=True))
    assert shown["Period"] == day
    assert shown["First response · n"] == "2"
    assert shown["First response · median (h)"] == f"{round(api['median_seconds'] / 3600, 1)}"
    assert shown["First response · p90 (h)"] == f"{round(api['p90_seconds'] / 3600, 1)}"
    assert (shown["First response · median (h)"], shown["First response · p90 (h)"]) == (
        "1.0",
        "3.0",
    )
    assert serious_violations(page) == []
