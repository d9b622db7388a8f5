"""The end of a ticket's life through the gateway: auto-close, removal, export, merge and
sub-tickets; and the fields agents fill in (custom fields, contact data)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.people import level
from tests.support import (
    create_rule,
    interaction,
    post,
    tickets,
    tickets_of_thread,
    unique,
    wait_until,
)


def opened(
    gateway: httpx.Client,
    ingestor: httpx.Client,
    *,
    rule_ticket: dict | None = None,
    **message: Any,
) -> dict[str, Any]:
    keyword = unique("kw")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": rule_ticket or {}},
        },
    )
    thread = message.pop("thread", None) or unique("post")
    post(ingestor, interaction(thread=thread, text=f"ajuda {keyword}", **message))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    return ticket


def history(gateway: httpx.Client, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    return gateway.get(f"/v1/tickets/{ticket['id']}/history").json()  # type: ignore[no-any-return]


def test_an_idle_ticket_is_closed_once_by_ticketing_itself(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    quick = level(gateway, auto_close_after_hours=0.0005)  # 1.8 s
    ticket = opened(gateway, ingestor, rule_ticket={"level": quick["name"]})

    closed = wait_until(
        lambda: gateway.get(f"/v1/tickets/{ticket['id']}").json()["status"] == "closed",
        timeout=30,
        what="the auto-close",
    )

    assert closed
    entries = [h for h in history(gateway, ticket) if h["actor"] == "system:auto_close"]
    assert [(h["field"], h["after"]) for h in entries] == [("status", "closed")]


def test_a_ticket_in_a_level_without_auto_close_stays_open(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    quick = level(gateway, auto_close_after_hours=0.0005)
    patient = level(gateway)
    closing = opened(gateway, ingestor, rule_ticket={"level": quick["name"]})
    staying = opened(gateway, ingestor, rule_ticket={"level": patient["name"]})
    wait_until(
        lambda: gateway.get(f"/v1/tickets/{closing['id']}").json()["status"] == "closed",
        timeout=30,
        what="the other ticket's auto-close",
    )
    assert gateway.get(f"/v1/tickets/{staying['id']}").json()["status"] == "new"


def test_a_removed_ticket_leaves_the_desk_but_keeps_its_audit(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = opened(gateway, ingestor)

    response = gateway.delete(f"/v1/tickets/{ticket['id']}")

    assert response.status_code == 200, response.text
    assert ticket["id"] not in {t["id"] for t in tickets(gateway)}
    kept = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert (kept["removed"], kept["status"]) == (True, "closed")
    assert ("removed", True) in {(h["field"], h["after"]) for h in history(gateway, ticket)}


def test_an_export_holds_the_ticket_its_interactions_and_history(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = opened(gateway, ingestor)
    gateway.post(f"/v1/tickets/{ticket['id']}/notes", json={"text": "ok"}).raise_for_status()

    export = gateway.get(f"/v1/tickets/{ticket['protocol']}/export").json()

    assert export["ticket"]["protocol"] == ticket["protocol"]
    assert len(export["ticket"]["interactions"]) == 1
    assert [h["action"] for h in export["history"]] == ["opened", "note"]


def test_a_readable_export_tells_the_conversation_and_its_history(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = opened(gateway, ingestor)
    gateway.post(f"/v1/tickets/{ticket['id']}/notes", json={"text": "ligar amanhã"})

    response = gateway.get(f"/v1/tickets/{ticket['id']}/export", params={"format": "text"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith(f"Ticket {ticket['protocol']}:")
    assert "Maria Souza (comment, inbound):" in response.text
    assert 'agent:admin note "ligar amanhã"' in response.text


def test_merging_moves_the_interactions_and_later_messages_to_the_earlier_ticket(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    author = unique("author")
    earlier = opened(gateway, ingestor, author_id=author, minutes=0)
    later_thread = unique("post")
    later = opened(gateway, ingestor, author_id=author, minutes=5, thread=later_thread)

    response = gateway.post(f"/v1/tickets/{later['id']}/merge", json={"into": earlier["protocol"]})

    assert response.status_code == 200, response.text
    assert response.json()["source"]["merged_into"] == earlier["id"]
    target = gateway.get(f"/v1/tickets/{earlier['id']}").json()
    assert (target["interaction_count"], target["status"]) == (2, "open")
    post(ingestor, interaction(thread=later_thread, text="e então?", author_id=author, minutes=9))
    wait_until(
        lambda: gateway.get(f"/v1/tickets/{earlier['id']}").json()["interaction_count"] == 3,
        what="the new message on the merged-into ticket",
    )
    assert len(tickets_of_thread(gateway, later_thread)) == 1


def test_tickets_of_different_people_are_not_merged(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    first = opened(gateway, ingestor, author_id=unique("author"))
    second = opened(gateway, ingestor, author_id=unique("author"), minutes=5)

    response = gateway.post(f"/v1/tickets/{second['id']}/merge", json={"into": first["id"]})

    assert response.status_code == 409
    assert "not the same person" in response.json()["detail"]


def test_a_sub_ticket_is_listed_under_its_parent(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    parent = opened(gateway, ingestor)

    response = gateway.post(
        f"/v1/tickets/{parent['id']}/children", json={"title": "Pedir laudo à transportadora"}
    )

    assert response.status_code == 201, response.text
    child = response.json()
    assert child["parent_ticket_id"] == parent["id"]
    children = gateway.get(f"/v1/tickets/{parent['id']}").json()["children"]
    assert [c["id"] for c in children] == [child["id"]]


def test_agents_fill_in_contact_data_and_custom_fields(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = opened(gateway, ingestor)
    url = f"/v1/tickets/{ticket['id']}"
    gateway.patch(
        url, json={"contact": {"tax_id": "123.456.789-09"}, "custom_fields": {"loja": "Centro"}}
    ).raise_for_status()

    response = gateway.patch(url, json={"contact": {"order_number": "PED-77"}})

    assert response.status_code == 200, response.text
    assert response.json()["contact"] == {"tax_id": "123.456.789-09", "order_number": "PED-77"}
    assert response.json()["custom_fields"] == {"loja": "Centro"}
    assert response.json()["change_count"] == 3  # one per field changed
