"""Backtests through the gateway: a rule written after the facts says what it would have done
to the interactions the rules service triaged in a date range, and does none of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.support import create_rule, interaction, post, tickets, unique, wait_until

# Far from the other tests' dates, so only this test's interactions are in the range.
DAY = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)


def test_a_backtest_lists_what_a_rule_would_have_done_and_does_nothing(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    word, tag = unique("recall").replace("-", ""), unique("recall-tag")
    texts = [f"{word} no meu carro", "tudo certo", f"{word.upper()} de novo", f"sem {word}?"]
    sent = [
        interaction(
            thread=unique("post"), text=text, occurred_at=(DAY + timedelta(minutes=n)).isoformat()
        )
        for n, text in enumerate(texts)
    ]
    outside = interaction(
        thread=unique("post"), text=word, occurred_at=(DAY - timedelta(days=1)).isoformat()
    )
    post(ingestor, [*sent, outside])
    # Triaged and stored before the rule exists: a rule saved while they still wait in the
    # rules queue (a loaded machine) would really act on them.
    stored = {
        "occurred_from": (DAY - timedelta(days=2)).isoformat(),
        "occurred_to": (DAY + timedelta(days=1)).isoformat(),
    }
    wait_until(
        lambda: gateway.get("/v1/interactions", params=stored).json()["total"] >= len(sent) + 1,
        timeout=60,
        what="the interactions triaged before the rule is written",
    )
    rule = create_rule(
        gateway,
        {
            "name": unique("recall"),
            "when": {"text_expression": f"{word} AND NOT sem"},
            "then": {"open_ticket": {"priority": "urgent"}, "add_tags": [tag]},
        },
    )
    window = {"from": DAY.isoformat(), "to": (DAY + timedelta(hours=1)).isoformat()}

    def backtest() -> dict[str, object] | None:
        response = gateway.post(f"/v1/rules/{rule['id']}/backtest", json=window)
        assert response.status_code == 200, response.text
        result: dict[str, object] = response.json()
        return result if result["evaluated"] == len(sent) else None

    result = wait_until(backtest, what="the interactions in the rules log")
    assert (result["matched"], result["complete"]) == (2, True)
    matches = result["matches"]
    assert isinstance(matches, list)
    assert [m["interaction_key"] for m in matches] == [
        f"facebook:{sent[0]['external_id']}",
        f"facebook:{sent[2]['external_id']}",
    ]
    assert matches[0]["reasons"] == [f"text satisfies '{word} AND NOT sem' (found '{word}')"]
    assert matches[0]["decision"]["open_ticket"]["priority"] == "urgent"
    assert matches[0]["decision"]["tags"] == [tag]
    assert tickets(gateway, tag=tag) == []


def test_a_backtest_can_try_a_draft_of_the_next_version(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    word = unique("garantia").replace("-", "")
    day = DAY + timedelta(days=7)
    post(ingestor, interaction(thread=unique("post"), text=word, occurred_at=day.isoformat()))
    rule = create_rule(gateway, {"name": unique("stored"), "when": {"text_any": ["x"]}, "then": {}})
    body = {
        "from": day.isoformat(),
        "to": (day + timedelta(minutes=1)).isoformat(),
        "rule": {"name": "next version", "when": {"text_any": [word]}, "then": {}},
    }
    result = wait_until(
        lambda: gateway.post(f"/v1/rules/{rule['id']}/backtest", json=body).json()["matches"],
        what="the draft's match",
    )
    assert [m["reasons"] for m in result] == [[f"text contains '{word}'"]]


def test_a_backtest_with_an_inverted_range_is_refused_in_plain_words(
    gateway: httpx.Client,
) -> None:
    rule = create_rule(gateway, {"name": unique("r"), "when": {"text_any": ["x"]}, "then": {}})
    response = gateway.post(
        f"/v1/rules/{rule['id']}/backtest",
        json={"from": DAY.isoformat(), "to": (DAY - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 422
    assert "the date range ends before it starts" in response.text


def test_backtesting_a_rule_that_does_not_exist_is_404(gateway: httpx.Client) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    window = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()}
    assert gateway.post(f"/v1/rules/{missing}/backtest", json=window).status_code == 404
