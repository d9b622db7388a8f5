"""What agents do at the desk beyond editing fields: internal notes, tickets opened by hand
from stored interactions, and tags on single interactions."""

from __future__ import annotations

from typing import Any

import httpx

from tests.people import agent, as_agent, level
from tests.support import interaction, post, reasons, unique, wait_until


def loose_interaction(ingestor: httpx.Client, gateway: httpx.Client, **extra: Any) -> dict:
    """A stored interaction no rule opened a ticket for."""
    marker = unique("loose")
    post(ingestor, interaction(thread=unique("post"), text=f"pergunta {marker}", **extra))

    def stored() -> list[dict[str, Any]]:
        page = gateway.get("/v1/interactions", params={"text": marker}).json()
        return page["items"]  # type: ignore[no-any-return]

    [found] = wait_until(stored, what="the stored interaction")
    return found  # type: ignore[no-any-return]


def test_agents_find_interactions_without_a_ticket_by_channel_and_text(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    found = loose_interaction(ingestor, gateway, channel="instagram")
    text = found["interaction"]["text"].split()[-1]

    def listed(**filters: Any) -> list[str]:
        page = gateway.get("/v1/interactions", params={"text": text, **filters}).json()
        return [i["id"] for i in page["items"]]

    assert listed(channel="instagram", has_ticket="false") == [found["id"]]
    assert listed(channel="facebook") == []
    assert listed(has_ticket="true") == []
    assert gateway.get("/v1/interactions", params={"kind": "tweet"}).status_code == 422


def test_a_ticket_opened_by_hand_holds_the_interaction_and_is_the_agents(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    # An agent reaches an interaction without a ticket through an account their level serves.
    account = unique("page")
    found = loose_interaction(ingestor, gateway, account=account)
    ana = agent(gateway, levels=[level(gateway, accounts=[account])["name"]])

    with as_agent(gateway, ana["id"]) as client:
        response = client.post(
            "/v1/tickets", json={"interaction_id": found["id"], "assign_to_me": True}
        )
        assert response.status_code == 201, response.text
        ticket = response.json()
        detail = client.get(f"/v1/tickets/{ticket['id']}").json()

    assert (ticket["assignee"], ticket["opened_by"]) == (ana["id"], f"agent:{ana['id']}")
    assert [i["id"] for i in detail["interactions"]] == [found["id"]]


def test_a_second_ticket_for_the_same_interaction_is_refused(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    found = loose_interaction(ingestor, gateway)
    first = gateway.post("/v1/tickets", json={"interaction_id": found["id"]})
    assert first.status_code == 201, first.text

    again = gateway.post("/v1/tickets", json={"interaction_id": found["id"]})

    assert again.status_code == 409
    assert "already in ticket" in again.json()["detail"]


def test_a_ticket_opened_by_hand_in_a_level_goes_to_its_agent(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    found = loose_interaction(ingestor, gateway)
    legal = level(gateway)
    ana = agent(gateway, levels=[legal["name"]])

    response = gateway.post(
        "/v1/tickets", json={"interaction_id": found["id"], "level": legal["name"]}
    )

    assert response.status_code == 201, response.text
    assert response.json()["assignee"] == ana["id"]


def test_opening_by_hand_from_an_unknown_interaction_is_404(gateway: httpx.Client) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert gateway.post("/v1/tickets", json={"interaction_id": missing}).status_code == 404


def test_an_admin_cannot_assign_a_ticket_to_themself(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    found = loose_interaction(ingestor, gateway)
    response = gateway.post(
        "/v1/tickets", json={"interaction_id": found["id"], "assign_to_me": True}
    )
    assert response.status_code == 422
    assert "agent" in reasons(response)


def test_an_internal_note_is_in_the_history_and_counts_as_a_change(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    found = loose_interaction(ingestor, gateway)
    ticket = gateway.post("/v1/tickets", json={"interaction_id": found["id"]}).json()

    response = gateway.post(
        f"/v1/tickets/{ticket['id']}/notes", json={"text": "Cliente ligou, aguardando NF."}
    )

    assert response.status_code == 201, response.text
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    [note] = [h for h in history if h["action"] == "note"]
    assert (note["detail"]["text"], note["actor"]) == (
        "Cliente ligou, aguardando NF.",
        "agent:admin",
    )
    assert gateway.get(f"/v1/tickets/{ticket['id']}").json()["change_count"] == 1


def test_an_empty_note_is_refused(gateway: httpx.Client, ingestor: httpx.Client) -> None:
    found = loose_interaction(ingestor, gateway)
    ticket = gateway.post("/v1/tickets", json={"interaction_id": found["id"]}).json()
    assert gateway.post(f"/v1/tickets/{ticket['id']}/notes", json={"text": "  "}).status_code == 422


def test_tags_on_one_interaction_stay_on_that_interaction(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    found = loose_interaction(ingestor, gateway)

    response = gateway.post(f"/v1/interactions/{found['id']}/tags", json={"tags": ["elogio"]})

    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["elogio"]
    ticket = gateway.post("/v1/tickets", json={"interaction_id": found["id"]}).json()
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert (detail["tags"], detail["interactions"][0]["tags"]) == ([], ["elogio"])
