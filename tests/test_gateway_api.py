"""The agent-facing API through the gateway: rules CRUD, ticket reads, edits and refusals."""

from __future__ import annotations

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


def test_rules_can_be_created_read_replaced_and_deleted(gateway: httpx.Client) -> None:
    rule = create_rule(
        gateway,
        {
            "name": "VIP doctors",
            "when": {"channels": ["twitter"], "author_bio_any": ["médico", "médica"]},
            "then": {"open_ticket": {"priority": "high"}},
        },
    )
    assert gateway.get(f"/v1/rules/{rule['id']}").json()["name"] == "VIP doctors"
    assert rule["id"] in [r["id"] for r in gateway.get("/v1/rules").json()["items"]]

    replaced = gateway.put(
        f"/v1/rules/{rule['id']}",
        json={
            "name": "VIP doctors",
            "active": False,
            "when": {"author_bio_any": ["médico"]},
            "then": {"open_ticket": {"priority": "urgent"}},
        },
    )
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 2
    assert replaced.json()["active"] is False

    assert gateway.delete(f"/v1/rules/{rule['id']}").status_code == 204
    assert gateway.get(f"/v1/rules/{rule['id']}").status_code == 404
    assert gateway.delete(f"/v1/rules/{rule['id']}").status_code == 404


def test_author_bio_rule_gives_doctors_on_x_high_priority(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    create_rule(
        gateway,
        {
            "name": "doctors on X",
            "when": {"channels": ["twitter"], "author_bio_any": ["médico", "médica"]},
            "then": {"open_ticket": {"priority": "high"}, "add_tags": ["medico"]},
        },
    )
    thread = unique("tweet")
    post(
        ingestor,
        interaction(
            thread=thread,
            channel="twitter",
            kind="reply",
            text="O app caiu de novo",
            bio="MEDICA pediatra, SP",
        ),
    )
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    assert ticket["priority"] == "high"
    assert "medico" in ticket["tags"]


def test_tickets_filter_by_status_priority_tag_and_channel(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    tag = unique("filtertag")
    create_rule(
        gateway,
        {
            "name": "filters",
            "when": {"text_any": [tag]},
            "then": {"open_ticket": {"priority": "low"}, "add_tags": [tag]},
        },
    )
    threads = [unique("post") for _ in range(3)]
    post(
        ingestor,
        [
            interaction(thread=t, text=tag, channel=c)
            for t, c in zip(threads, ["facebook", "instagram", "instagram"], strict=True)
        ],
    )
    wait_until(lambda: len(tickets(gateway, tag=tag)) == 3, what="three tagged tickets")

    assert len(tickets(gateway, tag=tag, channel="instagram")) == 2
    assert len(tickets(gateway, tag=tag, channel=["facebook", "instagram"])) == 3
    assert len(tickets(gateway, tag=tag, priority="urgent")) == 0
    assert len(tickets(gateway, tag=tag.upper(), status="new")) == 3
    page = gateway.get("/v1/tickets", params={"tag": tag, "page_size": 2, "page": 2}).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    assert gateway.get("/v1/tickets", params={"page_size": 1000}).status_code == 422
    assert gateway.get("/v1/tickets", params={"colour": "red"}).status_code == 422


def test_agent_edits_are_recorded_and_refused_transitions_get_409(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("reembolso")
    create_rule(
        gateway, {"name": "refunds", "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=keyword))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")

    # An assignee must be an agent (#3); a 409 here means another test created her first.
    gateway.post("/v1/agents", json={"id": "ana", "name": "Ana", "email": "ana@example.com"})
    edited = gateway.patch(
        f"/v1/tickets/{ticket['protocol']}",
        json={"status": "resolved", "priority": "high", "assignee": "ana", "tags": ["refund"]},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["status"], edited.json()["assignee"]) == ("resolved", "ana")

    assert (
        gateway.patch(f"/v1/tickets/{ticket['id']}", json={"status": "closed"}).status_code == 200
    )
    refused = gateway.patch(f"/v1/tickets/{ticket['id']}", json={"status": "open"})
    assert refused.status_code == 409
    assert "closed" in refused.json()["detail"]
    assert (
        gateway.patch(f"/v1/tickets/{ticket['id']}", json={"priority": "whenever"}).status_code
        == 422
    )

    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    changed = {(h["field"], str(h["after"])) for h in history if h["action"] == "changed"}
    assert {
        ("status", "resolved"),
        ("priority", "high"),
        ("assignee", "ana"),
        ("status", "closed"),
        ("tags", "['refund']"),
    } <= changed
    assert all(h["actor"] == "agent:admin" for h in history if h["action"] == "changed")


def test_a_new_message_on_a_closed_ticket_opens_a_new_linked_ticket(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("cobranca")
    billing = level(gateway)["name"]  # a rule may only name a level that exists
    create_rule(
        gateway,
        {
            "name": "billing",
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"priority": "high", "level": billing}},
        },
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=keyword))
    [first] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    assert gateway.patch(f"/v1/tickets/{first['id']}", json={"status": "closed"}).status_code == 200

    post(ingestor, interaction(thread=thread, text="voltei, ainda sem solução", minutes=3))

    both = wait_until(
        lambda: len(tickets_of_thread(gateway, thread)) == 2 and tickets_of_thread(gateway, thread),
        what="a second ticket",
    )
    [second] = [t for t in both if t["id"] != first["id"]]
    assert second["previous_ticket_id"] == first["id"]
    assert (second["priority"], second["level"]) == ("high", billing)


def test_unknown_ticket_is_404(gateway: httpx.Client) -> None:
    assert gateway.get("/v1/tickets/2026-999999").status_code == 404
    assert (
        gateway.get("/v1/tickets/00000000-0000-0000-0000-000000000000/history").status_code == 404
    )
