"""Bulk changes through the gateway: to listed tickets or to a whole filter, with a result
per ticket."""

from __future__ import annotations

from typing import Any

import httpx

from tests.people import level
from tests.support import create_rule, interaction, post, tickets, unique, wait_until


def tagged_tickets(
    gateway: httpx.Client, ingestor: httpx.Client, count: int
) -> tuple[str, list[dict[str, Any]]]:
    """``count`` new tickets sharing a tag of their own."""
    tag = unique("lote")
    create_rule(
        gateway,
        {"name": tag, "when": {"text_any": [tag]}, "then": {"open_ticket": {}, "add_tags": [tag]}},
    )
    post(ingestor, [interaction(thread=unique("post"), text=f"{tag} {i}") for i in range(count)])
    found = wait_until(
        lambda: len(tickets(gateway, tag=tag)) == count and tickets(gateway, tag=tag),
        what="the tickets",
    )
    return tag, found


def test_bulk_tags_listed_tickets_and_reports_each(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    _, found = tagged_tickets(gateway, ingestor, 2)
    refs = [found[0]["protocol"], found[1]["id"], "2026-999999"]

    response = gateway.post(
        "/v1/tickets/bulk", json={"ids": refs, "change": {"add_tags": ["procon"]}}
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["succeeded"], report["failed"]) == (2, 1)
    assert [r["status"] for r in report["results"]] == [200, 200, 404]
    for result in report["results"][:2]:
        assert "procon" in result["ticket"]["tags"]


def test_bulk_applies_to_every_ticket_a_filter_matches(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    tag, found = tagged_tickets(gateway, ingestor, 3)
    gateway.patch(f"/v1/tickets/{found[0]['id']}", json={"status": "closed"}).raise_for_status()

    response = gateway.post(
        "/v1/tickets/bulk",
        json={"filter": {"tag": [tag]}, "change": {"status": "pending", "priority": "high"}},
    )

    report = response.json()
    assert (report["succeeded"], report["failed"]) == (2, 1)
    [refused] = [r for r in report["results"] if not r["ok"]]
    assert refused["status"] == 409
    assert "closed" in refused["detail"]
    assert {t["status"] for t in tickets(gateway, tag=tag)} == {"pending", "closed"}


def test_bulk_without_a_selection_or_a_change_is_refused(gateway: httpx.Client) -> None:
    assert gateway.post("/v1/tickets/bulk", json={"change": {"status": "open"}}).status_code == 422
    assert (
        gateway.post("/v1/tickets/bulk", json={"ids": ["2026-000001"], "change": {}}).status_code
        == 422
    )


def test_bulk_moves_listed_tickets_to_another_level(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    _, found = tagged_tickets(gateway, ingestor, 2)
    target = level(gateway)["name"]

    response = gateway.post(
        "/v1/tickets/bulk",
        json={"ids": [t["id"] for t in found], "change": {"level": target}},
    )

    report = response.json()
    assert (report["succeeded"], report["failed"]) == (2, 0), report
    assert {t["id"] for t in tickets(gateway, level=target)} == {t["id"] for t in found}
