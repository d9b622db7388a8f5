"""A rule naming a priority that is not on the scale, or a level that does not exist, cannot
work (its tickets would silently open at `medium`): the rules service refuses it when it is
saved, replaced, tried or backtested as a draft, asking ticketing (which owns both) over
request/reply, with a 422 that names each bad field (issue 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.people import level
from tests.support import create_rule, interaction, invalid, unique

PRIORITY = ("body", "then", "open_ticket", "priority")
LEVEL = ("body", "then", "open_ticket", "level")


def naming(**then: Any) -> dict[str, Any]:
    return {"name": unique("rule"), "when": {"text_any": [unique("w")]}, "then": then}


def test_saving_a_rule_with_an_unknown_priority_or_level_is_refused_naming_the_field(
    gateway: httpx.Client,
) -> None:
    nowhere = unique("nowhere")
    response = gateway.post(
        "/v1/rules", json=naming(open_ticket={"priority": "asap", "level": nowhere})
    )
    refused = invalid(response)
    assert set(refused) == {PRIORITY, LEVEL}
    assert "'asap' is not on the priority scale (urgent, high, medium, low)" in refused[PRIORITY]
    assert nowhere in refused[LEVEL]
    wrong_raise = gateway.post("/v1/rules", json=naming(set_priority="critical"))
    assert set(invalid(wrong_raise)) == {("body", "then", "set_priority")}


def test_a_level_created_first_can_be_named_and_a_replacement_is_checked_too(
    gateway: httpx.Client,
) -> None:
    legal = level(gateway)["name"]
    rule = create_rule(gateway, naming(open_ticket={"priority": "high", "level": legal}))
    assert rule["then"]["open_ticket"]["level"] == legal

    replaced = gateway.put(
        f"/v1/rules/{rule['id']}", json=naming(open_ticket={"level": unique("gone")})
    )

    assert set(invalid(replaced)) == {LEVEL}
    assert gateway.get(f"/v1/rules/{rule['id']}").json()["then"]["open_ticket"]["level"] == legal


def test_a_dry_run_and_a_backtest_of_such_a_draft_are_refused_too(gateway: httpx.Client) -> None:
    draft = naming(set_priority="asap")
    tried = gateway.post(
        "/v1/rules/test",
        json={"rule": draft, "interaction": interaction(thread=unique("p"), text="x")},
    )
    assert set(invalid(tried)) == {("body", "rule", "then", "set_priority")}
    stored = create_rule(gateway, naming(add_tags=["x"]))
    day = datetime(2031, 5, 5, tzinfo=UTC)
    backtest = gateway.post(
        f"/v1/rules/{stored['id']}/backtest",
        json={"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat(), "rule": draft},
    )
    assert set(invalid(backtest)) == {("body", "rule", "then", "set_priority")}
