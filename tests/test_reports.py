"""Reports through the gateway on the real bus (docs/api.md "Reports"): every figure equals a
count the test makes from the tickets it opened. Each test opens its tickets in levels of its
own (dated from the interaction, so the days are the test's choice) and reads the reports as
an agent of those levels, so other tests' tickets never enter the figures."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.people import agent, as_agent, level
from tests.support import create_rule, interaction, post, unique, wait_until

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
BASE = datetime(2025, 3, 10, 2, 30, tzinfo=UTC)
"""Monday March 10th 2025, 02:30 UTC: still Sunday the 9th, 23:30, in São Paulo (UTC-3)."""


class Desk:
    """Levels of the test's own, a rule that opens a ticket in each, and an agent in all."""

    def __init__(self, gateway: httpx.Client, levels: int = 1) -> None:
        self.gateway = gateway
        self.levels = [
            level(gateway, opened_at_from_interaction=True)["name"] for _ in range(levels)
        ]
        self.keywords: dict[str, str] = {}
        for name in self.levels:
            keyword = unique("kw")
            create_rule(
                gateway,
                {
                    "name": keyword,
                    "when": {"text_any": [keyword]},
                    "then": {"open_ticket": {"level": name}},
                },
            )
            self.keywords[name] = keyword
        self.agent = agent(gateway, levels=self.levels)["id"]
        self.threads: list[tuple[str, str]] = []

    def open(
        self,
        ingestor: httpx.Client,
        at: datetime,
        *,
        level_index: int = 0,
        channel: str = "facebook",
        author: str = "fb-user-1",
    ) -> str:
        thread = unique("post")
        name = self.levels[level_index]
        post(
            ingestor,
            interaction(
                thread=thread,
                text=f"socorro {self.keywords[name]}",
                channel=channel,
                author_id=author,
                occurred_at=at.isoformat(),
            ),
        )
        self.threads.append((thread, channel))
        return thread

    def tickets(self) -> list[dict[str, Any]]:
        """Every ticket of the desk's levels, with its interactions."""
        found = []
        for name in self.levels:
            page = self.gateway.get("/v1/tickets", params={"level": name, "page_size": 200})
            page.raise_for_status()
            found += page.json()["items"]
        return [self.gateway.get(f"/v1/tickets/{t['id']}").json() for t in found]

    def wait_for_tickets(self) -> list[dict[str, Any]]:
        return wait_until(
            lambda: (found := self.tickets()) and len(found) == len(self.threads) and found,
            what=f"{len(self.threads)} tickets",
        )


def opened(ticket: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(ticket["opened_at"])


def report(client: httpx.Client, kind: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/reports/{kind}", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def eventually(client: httpx.Client, kind: str, expected: Any, read: Any, **params: Any) -> None:
    """The report's figures as ``read`` takes them out equal ``expected`` once the projection
    has caught up with the ticket events."""
    last: list[Any] = []

    def matches() -> bool:
        last[:] = [read(report(client, kind, **params))]
        return bool(last[0] == expected)

    try:
        wait_until(matches, what=f"the {kind} report")
    except AssertionError:
        pytest.fail(f"{kind} report {params}: {last[0] if last else None} != {expected}")


def by_period(body: dict[str, Any], key: str = "values") -> dict[str, Any]:
    return {p["start"]: p[key] for p in body["periods"] if p[key] or p.get("total")}


def test_tickets_per_day_by_channel_follow_the_time_zones_day_boundary(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway)
    moments = [
        (BASE, "facebook"),  # Sunday 23:30 in São Paulo, Monday in UTC
        (BASE + timedelta(hours=1), "facebook"),  # Monday 00:30 in São Paulo
        (BASE + timedelta(hours=2), "instagram"),
        (BASE + timedelta(days=1), "instagram"),
        (BASE + timedelta(days=1, hours=20), "twitter"),
    ]
    for at, channel in moments:
        desk.open(ingestor, at, channel=channel)
    made = desk.wait_for_tickets()

    for zone in (SAO_PAULO, ZoneInfo("UTC")):
        expected: dict[str, dict[str, int]] = defaultdict(dict)
        for t in made:
            day = opened(t).astimezone(zone).date().isoformat()
            expected[day][t["channel"]] = expected[day].get(t["channel"], 0) + 1
        with as_agent(gateway, desk.agent) as client:
            eventually(
                client,
                "volume",
                dict(expected),
                by_period,
                since="2025-03-08",
                until="2025-03-13",
                split="channel",
                timezone=zone.key,
            )


def test_tickets_per_week_by_level_and_unique_authors_per_day(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway, levels=2)
    plan = [
        (BASE, 0, "ana"),
        (BASE + timedelta(hours=3), 0, "ana"),
        (BASE + timedelta(hours=4), 1, "bia"),
        (BASE + timedelta(days=7), 1, "ana"),
        (BASE + timedelta(days=8), 0, "caio"),
        (BASE + timedelta(days=8, hours=1), 1, "caio"),
    ]
    for at, index, author in plan:
        desk.open(ingestor, at, level_index=index, author=author)
    made = desk.wait_for_tickets()

    weekly: dict[str, dict[str, int]] = defaultdict(dict)
    daily_authors: dict[str, set[str]] = defaultdict(set)
    for t in made:
        day = opened(t).date()
        week = (day - timedelta(days=day.weekday())).isoformat()
        weekly[week][t["level"]] = weekly[week].get(t["level"], 0) + 1
        [first] = t["interactions"]
        daily_authors[day.isoformat()].add(first["interaction"]["author"]["id"])

    with as_agent(gateway, desk.agent) as client:
        eventually(
            client,
            "volume",
            dict(weekly),
            by_period,
            since="2025-03-01",
            until="2025-03-31",
            interval="week",
            split="level",
        )
        eventually(
            client,
            "volume",
            {day: len(authors) for day, authors in daily_authors.items()},
            lambda body: {p["start"]: p["total"] for p in body["periods"] if p["total"]},
            since="2025-03-01",
            until="2025-03-31",
            measure="authors",
        )


def nearest_rank(values: list[float], fraction: float) -> float:
    return sorted(values)[math.ceil(fraction * len(values)) - 1]


def close_to(found: float | None, exact: float) -> bool:
    """Reports keep times in buckets 1/32 wide and answer a bucket's middle."""
    return found is not None and abs(found - exact) <= exact / 64 + 0.5


def test_first_response_and_resolution_medians_and_90th_percentiles(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway)
    answers = [3, 7, 12, 30, 45, 90, 200]  # minutes to the first reply
    for index, minutes in enumerate(answers):
        at = BASE + timedelta(hours=index)
        thread = desk.open(ingestor, at)
        reply = interaction(
            thread=thread,
            text="Olá, já vamos ver",
            direction="outbound",
            author_id="acme-page",
            occurred_at=(at + timedelta(minutes=minutes)).isoformat(),
        )
        post(ingestor, reply)
    wait_until(
        lambda: (
            len(desk.tickets()) == len(answers)
            and all(len(t["interactions"]) == 2 for t in desk.tickets())
        ),
        what="every ticket with its reply",
    )
    made = desk.tickets()
    for t in made[:4]:
        resolved = gateway.patch(f"/v1/tickets/{t['id']}", json={"status": "resolved"})
        assert resolved.status_code == 200, resolved.text

    first_response = [
        (
            datetime.fromisoformat(
                next(
                    i["interaction"]["occurred_at"]
                    for i in t["interactions"]
                    if i["interaction"]["direction"] == "outbound"
                )
            )
            - opened(t)
        ).total_seconds()
        for t in made
    ]
    resolution = []
    for t in made[:4]:
        history = gateway.get(f"/v1/tickets/{t['id']}/history").json()
        done = max(datetime.fromisoformat(h["at"]) for h in history if h.get("after") == "resolved")
        resolution.append((done - opened(t)).total_seconds())

    def figures(body: dict[str, Any]) -> Any:
        [period] = [p for p in body["periods"] if p["first_response"]["count"]]
        f, r = period["first_response"], period["resolution"]
        return (
            f["count"],
            close_to(f["median_seconds"], nearest_rank(first_response, 0.5)),
            close_to(f["p90_seconds"], nearest_rank(first_response, 0.9)),
            r["count"],
            close_to(r["median_seconds"], nearest_rank(resolution, 0.5)),
            close_to(r["p90_seconds"], nearest_rank(resolution, 0.9)),
        )

    with as_agent(gateway, desk.agent) as client:
        eventually(
            client,
            "times",
            (len(answers), True, True, 4, True, True),
            figures,
            since="2025-03-10",
            until="2025-03-10",
        )


def test_the_backlog_counts_tickets_opened_and_not_yet_resolved_at_each_day_end(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway)
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in (3, 2, 1)]
    for day in days:
        desk.open(ingestor, datetime(day.year, day.month, day.day, 5, tzinfo=UTC))
    made = desk.wait_for_tickets()
    first = min(made, key=opened)
    closed = gateway.patch(f"/v1/tickets/{first['id']}", json={"status": "closed"})
    assert closed.status_code == 200, closed.text
    expected = {days[0].isoformat(): 1, days[1].isoformat(): 2, days[2].isoformat(): 3}
    expected[today.isoformat()] = 2
    with as_agent(gateway, desk.agent) as client:
        eventually(
            client,
            "backlog",
            expected,
            lambda body: {p["start"]: p["open"] for p in body["periods"]},
            since=days[0].isoformat(),
            until=today.isoformat(),
        )


def test_reports_come_as_csv_by_accept_header_or_format(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway)
    desk.open(ingestor, BASE, channel="facebook")
    desk.open(ingestor, BASE + timedelta(days=1), channel="instagram")
    desk.open(ingestor, BASE + timedelta(days=1, hours=1), channel="instagram")
    desk.wait_for_tickets()
    params = {"since": "2025-03-10", "until": "2025-03-12", "split": "channel"}
    with as_agent(gateway, desk.agent) as client:
        eventually(client, "volume", 3, lambda b: sum(p["total"] for p in b["periods"]), **params)
        by_header = client.get("/v1/reports/volume", params=params, headers={"Accept": "text/csv"})
        by_format = client.get("/v1/reports/volume", params={**params, "format": "csv"})
        backlog = client.get(
            "/v1/reports/backlog",
            params={"since": params["since"], "until": params["until"], "format": "csv"},
        )
        times = client.get("/v1/reports/times", params={**params, "format": "csv"})

    assert by_header.headers["content-type"].startswith("text/csv")
    assert by_header.text == by_format.text
    rows = list(csv.reader(io.StringIO(by_header.text)))
    assert rows == [
        ["start", "total", "facebook", "instagram"],
        ["2025-03-10", "1", "1", "0"],
        ["2025-03-11", "2", "0", "2"],
        ["2025-03-12", "0", "0", "0"],
    ]
    assert list(csv.reader(io.StringIO(backlog.text)))[1:] == [
        ["2025-03-10", "1", "1"],
        ["2025-03-11", "3", "3"],
        ["2025-03-12", "3", "3"],
    ]
    assert next(csv.reader(io.StringIO(times.text)))[:3] == [
        "start",
        "channel",
        "first_response_count",
    ]


def test_an_agent_sees_only_the_figures_of_their_levels(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    mine, theirs = Desk(gateway), Desk(gateway)
    mine.open(ingestor, BASE)
    theirs.open(ingestor, BASE)
    theirs.open(ingestor, BASE + timedelta(hours=1))
    mine.wait_for_tickets()
    theirs.wait_for_tickets()
    params = {"since": "2025-03-10", "until": "2025-03-10", "split": "level"}

    eventually(
        gateway,
        "volume",
        {mine.levels[0]: 1, theirs.levels[0]: 2},
        lambda b: {
            k: v
            for k, v in b["periods"][0]["values"].items()
            if k in (mine.levels[0], theirs.levels[0])
        },
        **params,
    )
    with as_agent(gateway, mine.agent) as client:
        seen = report(client, "volume", **params)
        backlog = report(client, "backlog", since=params["since"], until=params["until"])
    assert seen["periods"][0]["values"] == {mine.levels[0]: 1}
    assert seen["periods"][0]["total"] == 1
    assert set(backlog["periods"][0]["levels"]) == {mine.levels[0]}


def test_a_zone_off_the_quarter_hour_or_a_range_too_long_is_refused_with_the_reason(
    gateway: httpx.Client,
) -> None:
    # Zones off the whole hour are answered (India +5:30, Nepal +5:45, Newfoundland -3:30) ...
    for zone in ("Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"):
        answered = gateway.get(
            "/v1/reports/volume",
            params={"since": "2025-03-10", "until": "2025-03-11", "timezone": zone},
        )
        assert answered.status_code == 200, answered.text
        assert [p["start"] for p in answered.json()["periods"]] == ["2025-03-10", "2025-03-11"]
    # ... but not one off the quarter hour (Amsterdam's local mean time, until 1937).
    amsterdam = gateway.get(
        "/v1/reports/volume",
        params={"since": "1920-03-10", "until": "1920-03-11", "timezone": "Europe/Amsterdam"},
    )
    assert amsterdam.status_code == 422, amsterdam.text
    assert "whole number of quarter hours" in amsterdam.text
    unknown = gateway.get(
        "/v1/reports/volume",
        params={"since": "2025-03-10", "until": "2025-03-11", "timezone": "Mars/Olympus"},
    )
    assert unknown.status_code == 422
    assert "not a known time zone" in unknown.text
    long = gateway.get("/v1/reports/times", params={"since": "2020-01-01", "until": "2025-03-11"})
    assert long.status_code == 422
    assert "at most 400 days" in long.text


def test_the_day_before_the_sao_paulo_boundary_is_its_own_day(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway)
    desk.open(ingestor, BASE)  # 23:30 on Sunday in São Paulo
    desk.wait_for_tickets()
    with as_agent(gateway, desk.agent) as client:
        eventually(
            client,
            "volume",
            {"2025-03-09": 1},
            lambda b: {p["start"]: p["total"] for p in b["periods"] if p["total"]},
            since="2025-03-09",
            until="2025-03-10",
            timezone="America/Sao_Paulo",
        )
        eventually(
            client,
            "volume",
            {"2025-03-10": 1},
            lambda b: {p["start"]: p["total"] for p in b["periods"] if p["total"]},
            since="2025-03-09",
            until="2025-03-10",
        )
