"""Business calendars through the gateway (issue 12): administrators keep them, every agent
reads them, a level names one, and what cannot be a calendar is refused in plain words."""

from __future__ import annotations

from typing import Any

import httpx

from tests.people import agent, as_agent, level
from tests.support import (
    create_rule,
    interaction,
    invalid,
    post,
    reasons,
    tickets_of_thread,
    unique,
    wait_until,
)

NIGHTS_AND_WEEKDAYS = {
    "timezone": "America/Sao_Paulo",
    "weekly": {
        "mon": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
        "fri": [{"start": "22:00", "end": "06:00"}],
    },
    "holidays": [{"name": "Natal", "yearly": "12-25"}, {"date": "2026-11-20"}],
    "exceptions": [{"date": "2026-12-24", "hours": [{"start": "09:00", "end": "12:00"}]}],
}


def calendar(gateway: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = gateway.post(
        "/v1/calendars", json={"name": unique("cal"), **NIGHTS_AND_WEEKDAYS, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_calendar_is_kept_as_written_and_every_agent_reads_it(gateway: httpx.Client) -> None:
    created = calendar(gateway)
    with as_agent(gateway, agent(gateway)["id"]) as ana:
        read = ana.get(f"/v1/calendars/{created['name']}")
        listed = ana.get("/v1/calendars").json()
    assert read.status_code == 200
    assert read.json() == created
    assert created["weekly"]["fri"] == [{"start": "22:00", "end": "06:00"}]
    assert created["holidays"][0] == {"name": "Natal", "date": None, "yearly": "12-25"}
    assert created["name"] in [c["name"] for c in listed]


def test_only_an_administrator_changes_calendars(gateway: httpx.Client) -> None:
    kept = calendar(gateway)
    with as_agent(gateway, agent(gateway)["id"]) as ana:
        assert ana.post("/v1/calendars", json={"name": "x", "timezone": "UTC"}).status_code == 403
        changed = ana.put(f"/v1/calendars/{kept['name']}", json={**kept, "timezone": "UTC"})
        assert changed.status_code == 403
        assert ana.delete(f"/v1/calendars/{kept['name']}").status_code == 403
    assert gateway.get(f"/v1/calendars/{kept['name']}").json() == kept


def test_replacing_a_calendar_changes_its_hours(gateway: httpx.Client) -> None:
    kept = calendar(gateway)
    replaced = gateway.put(
        f"/v1/calendars/{kept['name']}", json={**kept, "timezone": "Europe/Lisbon"}
    )
    assert replaced.status_code == 200, replaced.text
    assert gateway.get(f"/v1/calendars/{kept['name']}").json()["timezone"] == "Europe/Lisbon"


def test_what_cannot_be_a_calendar_is_refused_saying_why(gateway: httpx.Client) -> None:
    cases = [
        ({"timezone": "Brasilia"}, "'Brasilia' is not a known time zone"),
        (
            {"weekly": {"mon": [{"start": "09:00", "end": "09:00"}]}},
            "the opening 09:00–09:00 is empty",
        ),
        ({"holidays": [{"yearly": "25-12"}]}, "'25-12' is not a day of the year"),
        ({"holidays": [{"name": "x"}]}, "either a date (once) or a yearly MM-DD"),
    ]
    for fields, reason in cases:
        body = {"name": unique("cal"), **NIGHTS_AND_WEEKDAYS, **fields}
        response = gateway.post("/v1/calendars", json=body)
        assert response.status_code == 422, (fields, response.text)
        assert reason in " ".join(invalid(response).values()), response.text


def test_a_level_names_an_existing_calendar_only(gateway: httpx.Client) -> None:
    hours = calendar(gateway)
    missing = unique("nowhere")
    refused = gateway.post("/v1/levels", json={"name": unique("level"), "calendar": missing})
    assert missing in invalid(refused)[("body", "calendar")]

    legal = level(gateway, calendar=hours["name"])
    assert gateway.get(f"/v1/levels/{legal['name']}").json()["calendar"] == hours["name"]


def test_a_calendar_a_level_works_in_is_not_deleted_until_the_level_leaves_it(
    gateway: httpx.Client,
) -> None:
    hours = calendar(gateway)
    legal = level(gateway, calendar=hours["name"])

    kept = gateway.delete(f"/v1/calendars/{hours['name']}")
    assert kept.status_code == 409
    assert legal["name"] in kept.text

    moved = gateway.put(f"/v1/levels/{legal['name']}", json={"name": legal["name"]})
    assert moved.status_code == 200, moved.text
    assert gateway.delete(f"/v1/calendars/{hours['name']}").status_code == 204
    assert gateway.get(f"/v1/calendars/{hours['name']}").status_code == 404


def test_a_rule_names_a_calendar_and_fires_inside_its_night_shift(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    night = calendar(
        gateway,
        weekly={"tue": [{"start": "22:00", "end": "07:00"}]},
        holidays=[],
        exceptions=[],
    )
    word, tag, name = unique("kw"), unique("night"), unique("night-rule")
    create_rule(
        gateway,
        {
            "name": name,
            "when": {"text_any": [word], "business_hours": {"calendar": night["name"]}},
            "then": {"open_ticket": {}, "add_tags": [tag]},
        },
    )
    # 09:00 UTC on Wednesday 2026-11-25 is 06:00 in São Paulo: inside Tuesday's night shift.
    message = interaction(thread=unique("post"), text=f"alguém aí? {word}")
    post(ingestor, [message])

    [ticket] = wait_until(lambda: tickets_of_thread(gateway, message["thread_id"]), what="ticket")
    assert tag in ticket["tags"]
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    [match] = [r for r in history[0]["detail"]["rules"] if r["rule_name"] == name]
    assert match["reasons"][0] == (
        f"Wed 2026-11-25 06:00 America/Sao_Paulo (calendar {night['name']!r}) "
        "is inside business hours"
    )


def test_a_rule_naming_a_calendar_that_does_not_exist_is_refused(gateway: httpx.Client) -> None:
    missing = unique("nowhere")
    response = gateway.post(
        "/v1/rules",
        json={"name": "r", "when": {"business_hours": {"calendar": missing}}, "then": {}},
    )
    assert f"there is no calendar {missing!r}" in reasons(response)


def test_a_level_keeps_its_sla_policy_in_its_calendars_business_time(
    gateway: httpx.Client,
) -> None:
    hours = calendar(gateway)
    policy = {
        "first_response": {"amount": 30, "unit": "minutes"},
        "resolution": {"amount": 16, "unit": "hours"},
        "by_priority": {"high": {"first_response": {"amount": 10, "unit": "minutes"}}},
    }
    legal = level(gateway, calendar=hours["name"], sla=policy)

    kept = gateway.get(f"/v1/levels/{legal['name']}").json()["sla"]
    assert kept["first_response"] == {"amount": 30, "unit": "minutes"}
    assert kept["by_priority"]["high"]["first_response"]["amount"] == 10
    assert (kept["pausing_statuses"], kept["yellow_at"], kept["red_at"]) == (
        ["pending", "on_hold"],
        0.5,
        0.8,
    )


def test_an_sla_policy_that_cannot_work_is_refused_saying_why(gateway: httpx.Client) -> None:
    off_scale = gateway.post(
        "/v1/levels",
        json={
            "name": unique("level"),
            "sla": {"by_priority": {"asap": {"first_response": {"amount": 5}}}},
        },
    )
    assert "asap" in invalid(off_scale)[("body", "sla", "by_priority")]
    bands = gateway.post(
        "/v1/levels", json={"name": unique("level"), "sla": {"yellow_at": 0.9, "red_at": 0.5}}
    )
    assert "must come before red_at" in reasons(bands)
    weeks = gateway.post(
        "/v1/levels",
        json={"name": unique("level"), "sla": {"resolution": {"amount": 2, "unit": "weeks"}}},
    )
    assert weeks.status_code == 422
