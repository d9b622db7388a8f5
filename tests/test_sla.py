"""SLA clocks through the whole system (issue 12): tickets opened by a rule into a level with a
calendar and targets, read through the gateway, warned about by e-mail from two ticketing
replicas. Time moves by writing the offset ticketing's SLA clock reads (the stack's
``TICKETING_CLOCK_OFFSET_FILE``), never by sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from devtools.launcher import Stack
from tests.people import agent, level
from tests.support import create_rule, interaction, mails_to, post, unique, wait_until

SP = ZoneInfo("America/Sao_Paulo")
NINE_TO_SIX = {d: [{"start": "09:00", "end": "18:00"}] for d in ("mon", "tue", "wed", "thu", "fri")}
RED, BREACHED = "primeira resposta perto do prazo", "primeira resposta atrasada"
THIRTY_MINUTES = {"first_response": {"amount": 30, "unit": "minutes"}}


class Clock:
    """Ticketing's SLA clock: the system time plus the offset in the stack's file."""

    def __init__(self, stack: Stack) -> None:
        self.path = Path(stack.data_dir) / "clock-offset"

    def offset(self) -> float:
        return float(self.path.read_text() or 0) if self.path.exists() else 0.0

    def advance(self, delta: timedelta) -> None:
        self.path.write_text(str(self.offset() + delta.total_seconds()))


@pytest.fixture
def clock(stack: Stack) -> Iterator[Clock]:
    """Back on the system time after the test, so the other tests' tickets are not dated
    hours ahead."""
    moved = Clock(stack)
    yield moved
    moved.path.write_text("0")


def sla_level(
    gateway: httpx.Client, *, calendar: str | None = None, **fields: Any
) -> dict[str, Any]:
    return level(gateway, calendar=calendar, sla=THIRTY_MINUTES, **fields)


def listed(gateway: httpx.Client, **filters: str) -> list[dict[str, Any]]:
    response = gateway.get("/v1/tickets", params=filters)
    response.raise_for_status()
    return response.json()["items"]  # type: ignore[no-any-return]


def open_ticket(
    gateway: httpx.Client, ingestor: httpx.Client, level_name: str, **extra: Any
) -> dict[str, Any]:
    keyword = unique("sla")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": level_name, **extra}},
        },
    )
    thread = unique("thread")
    post(ingestor, interaction(thread=thread, text=f"help {keyword}"))

    def opened() -> dict[str, Any] | None:
        found = listed(gateway, level=level_name)
        return next((t for t in found if t["thread_key"].endswith(f":{thread}")), None)

    return wait_until(opened, what="the ticket")


def ticket(gateway: httpx.Client, ref: str) -> dict[str, Any]:
    response = gateway.get(f"/v1/tickets/{ref}")
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def test_friday_1750_with_thirty_minutes_on_weekday_hours_is_due_monday_0920(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    calendar = gateway.post(
        "/v1/calendars",
        json={"name": unique("cal"), "timezone": "America/Sao_Paulo", "weekly": NINE_TO_SIX},
    )
    assert calendar.status_code == 201, calendar.text
    made = sla_level(gateway, calendar=calendar.json()["name"], opened_at_from_interaction=True)
    friday = datetime(2026, 11, 27, 17, 50, tzinfo=SP)
    keyword = unique("friday")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": made["name"]}},
        },
    )
    payload = interaction(thread=unique("t"), text=keyword)
    payload["occurred_at"] = friday.isoformat()
    post(ingestor, payload)
    opened = wait_until(
        lambda: gateway.get("/v1/tickets", params={"level": made["name"]}).json()["items"],
        what="the ticket",
    )[0]

    first = opened["sla"]["first_response"]
    assert datetime.fromisoformat(first["due"]) == datetime(2026, 11, 30, 9, 20, tzinfo=SP)
    assert first["target_minutes"] == 30
    assert ticket(gateway, opened["id"])["sla"]["first_response"]["due"] == first["due"]


def test_a_pending_ticket_keeps_its_time_while_hours_pass(
    gateway: httpx.Client, ingestor: httpx.Client, clock: Clock
) -> None:
    made = sla_level(gateway)
    waiting = open_ticket(gateway, ingestor, made["name"])
    running = open_ticket(gateway, ingestor, made["name"])
    assert (
        gateway.patch(f"/v1/tickets/{waiting['id']}", json={"status": "pending"}).status_code == 200
    )

    clock.advance(timedelta(hours=2))

    paused = ticket(gateway, waiting["id"])["sla"]["first_response"]
    assert paused["paused"] is True
    assert 29 < paused["business_minutes_left"] <= 30
    assert paused["band"] == "green"
    late = ticket(gateway, running["id"])["sla"]["first_response"]
    assert late["band"] == "overdue" and late["business_minutes_left"] < -60


def test_red_and_breach_are_each_mailed_once_to_the_assignee_and_the_responsible(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, clock: Clock
) -> None:
    responsible = agent(gateway)
    assignee = agent(gateway)
    made = sla_level(gateway, responsible=responsible["id"])
    opened = open_ticket(gateway, ingestor, made["name"], assignee=assignee["id"])

    def subjects(who: dict[str, Any]) -> list[str]:
        mails = mails_to(stack.mail_dir, who["email"])
        return [str(make_header(decode_header(m["Subject"]))) for m in mails]

    def warned(who: dict[str, Any], words: str) -> list[str]:
        return [s for s in subjects(who) if opened["protocol"] in s and words in s]

    # The agents read Portuguese, the desk's default language.

    clock.advance(timedelta(minutes=25))
    wait_until(
        lambda: all(warned(who, RED) for who in (assignee, responsible)),
        what="the red warning to both",
    )
    wait_until(
        lambda: listed(gateway, sla_band="red", level=made["name"]), what="the red band listed"
    )
    counts = gateway.get(f"/v1/levels/{made['name']}/sla").json()
    assert counts["red"] == 1

    clock.advance(timedelta(minutes=10))
    wait_until(
        lambda: all(warned(who, BREACHED) for who in (assignee, responsible)),
        what="the breach mail to both",
    )
    overdue = wait_until(
        lambda: listed(gateway, overdue="true", level=made["name"]), what="the overdue filter"
    )
    assert [t["id"] for t in overdue] == [opened["id"]]

    # Later scans of both replicas send nothing more: a second ticket's red warning, which
    # needs scans after the breach, arrives while the first ticket's mails stay one each.
    marker = open_ticket(gateway, ingestor, made["name"], assignee=assignee["id"])
    clock.advance(timedelta(minutes=25))
    wait_until(
        lambda: [s for s in subjects(assignee) if marker["protocol"] in s],
        what="the second ticket's warning",
    )
    for who in (assignee, responsible):
        assert len(warned(who, RED)) == 1
        assert len(warned(who, BREACHED)) == 1


def test_a_calendar_change_moves_the_deadlines_of_open_tickets(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    name = unique("cal")
    always = {
        "name": name,
        "timezone": "UTC",
        "weekly": {
            d: [{"start": "00:00", "end": "24:00"}]
            for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    }
    assert gateway.post("/v1/calendars", json=always).status_code == 201
    made = sla_level(gateway, calendar=name)
    opened = open_ticket(gateway, ingestor, made["name"])
    before = datetime.fromisoformat(opened["sla"]["first_response"]["due"])
    wait_until(  # read once by the scanner: its deadline is on record
        lambda: listed(gateway, sla_band="green", level=made["name"]), what="the first reading"
    )

    closed = {**always, "weekly": {}, "exceptions": []}
    assert gateway.put(f"/v1/calendars/{name}", json=closed).status_code == 200

    def recomputed() -> list[dict[str, Any]]:
        history = gateway.get(f"/v1/tickets/{opened['id']}/history").json()
        return [e for e in history if e["action"] == "sla_recomputed"]

    [entry] = wait_until(recomputed, what="the history entry")
    assert entry["before"] is not None and datetime.fromisoformat(entry["before"]) == before
    assert entry["after"] is None  # a calendar that never opens has no due time
    # The desk's reads keep the policies for up to two seconds.
    wait_until(
        lambda: ticket(gateway, opened["id"])["sla"]["first_response"]["due"] is None,
        what="the ticket read with the new calendar",
    )
