"""Moderating customers' comments on their networks (issue 11 part 7), through the real
services against the fake networks: an agent hides, unhides or deletes a comment, ticketing
asks the ingestor through its outbox, the ingestor calls the network with the account's
token, and the interaction shows its moderation state, every step in the ticket's history.
What the network does not allow is refused at once with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from devtools.fakenets import meta
from devtools.launcher import Stack
from tests.conftest import FAKENETS_PORT, TEST_PORT_OFFSET
from tests.fakenets_process import fake_networks
from tests.support import post, unique, wait_until
from tests.test_replies import Desk, page_comment_on
from tests.test_webhooks_meta import deliver


@pytest.fixture(scope="module")
def fakes(stack: Stack) -> Iterator[httpx.Client]:
    with fake_networks(stack, FAKENETS_PORT + TEST_PORT_OFFSET) as client:
        yield client


def moderated(desk: Desk, interaction_id: str) -> dict[str, Any]:
    """The interaction once the network answered its moderation."""

    def settled() -> dict[str, Any] | None:
        items = desk.gateway.get(
            "/v1/interactions", params={"account": desk.account["id"], "page_size": 200}
        ).json()["items"]
        found = next(i for i in items if i["id"] == interaction_id)
        state = found.get("moderation") or {}
        return found if state and state.get("pending") is None else None

    return wait_until(settled, timeout=30, what=f"interaction {interaction_id} moderated")


def graph_calls(fake: httpx.Client, node: str) -> list[dict[str, Any]]:
    return [
        r
        for r in fake.get("/_fake/requests", params={"network": "meta"}).json()
        if r["path"] == f"/v21.0/{node}"
    ]


def test_an_agent_hides_and_unhides_a_facebook_comment(
    fakes: httpx.Client, gateway: httpx.Client
) -> None:
    desk = Desk(gateway)
    comment_id, ticket = page_comment_on(desk, fakes, "Vocês são uns golpistas!!!")
    stored = desk.stored(comment_id)

    hidden = desk.session.post(f"/v1/interactions/{stored['id']}/hide")

    assert hidden.status_code == 202, hidden.text
    assert hidden.json()["moderation"]["pending"] == "hide"
    after = moderated(desk, stored["id"])
    assert after["moderation"]["hidden"] is True
    [call] = graph_calls(fakes, comment_id)
    assert call["method"] == "POST"
    assert call["query"] == {"access_token": "EAAB-test", "is_hidden": "true"}

    shown = desk.session.post(f"/v1/interactions/{stored['id']}/unhide")
    assert shown.status_code == 202, shown.text
    assert moderated(desk, stored["id"])["moderation"]["hidden"] is False
    assert graph_calls(fakes, comment_id)[-1]["query"]["is_hidden"] == "false"

    history = desk.history(ticket)
    steps = [
        (e["action"], e["detail"]["action"], e["actor"])
        for e in history
        if e["action"].startswith("moderation_")
    ]
    me = f"agent:{desk.agent['id']}"
    assert steps == [
        ("moderation_requested", "hide", me),
        ("moderation_done", "hide", "system"),
        ("moderation_requested", "unhide", me),
        ("moderation_done", "unhide", "system"),
    ]


def test_an_agent_deletes_an_instagram_comment_and_it_stays_on_the_ticket_marked(
    fakes: httpx.Client, gateway: httpx.Client
) -> None:
    desk = Desk(gateway, "instagram")
    comment_id = unique("igc")
    item = meta.instagram_comment(
        ig_id=desk.account["network_id"],
        comment_id=comment_id,
        media_id=unique("media"),
        from_id=unique("iguser"),
        username="spam.bot",
        text="Ganhe seguidores em bit.ly/xyz",
    )
    assert deliver(fakes, meta.delivery("instagram", [item]))["status"] == 200
    ticket = desk.ticket_for(comment_id)
    stored = desk.stored(comment_id)

    deleted = desk.session.post(f"/v1/interactions/{stored['id']}/delete")

    assert deleted.status_code == 202, deleted.text
    assert moderated(desk, stored["id"])["moderation"]["deleted"] is True
    [call] = graph_calls(fakes, comment_id)
    assert call["method"] == "DELETE"
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    [kept] = [i for i in detail["interactions"] if i["id"] == stored["id"]]
    assert kept["moderation"]["deleted"] is True
    again = desk.session.post(f"/v1/interactions/{stored['id']}/hide")
    assert again.status_code == 422, again.text
    assert "deleted it already" in again.text


def test_what_the_network_does_not_allow_is_refused_with_the_reason(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway, "youtube", credentials={"access_token": "ya29.youtube-test"})
    comment_id = unique("Ugx")
    post(
        ingestor,
        {
            "channel": "youtube",
            "account": desk.account["id"],
            "external_id": comment_id,
            "thread_id": unique("video"),
            "kind": "comment",
            "author": {"id": "UCmaria", "name": "Maria"},
            "text": "Conteúdo ofensivo",
            "occurred_at": datetime.now(UTC).isoformat(),
        },
    )
    ticket = desk.ticket_for(comment_id)
    stored = desk.stored(comment_id)

    refused = desk.session.post(f"/v1/interactions/{stored['id']}/delete")

    assert refused.status_code == 422, refused.text
    assert "YouTube deletes only the channel's own comments" in refused.text
    assert not [e for e in desk.history(ticket) if e["action"].startswith("moderation_")]
    after = desk.stored(comment_id)
    assert after.get("moderation") is None


def test_a_youtube_comment_is_held_back_with_set_moderation_status(
    fakes: httpx.Client, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway, "youtube", credentials={"access_token": "ya29.youtube-test"})
    comment_id = unique("Ugx")
    post(
        ingestor,
        {
            "channel": "youtube",
            "account": desk.account["id"],
            "external_id": comment_id,
            "thread_id": unique("video"),
            "kind": "comment",
            "author": {"id": "UCmaria", "name": "Maria"},
            "text": "spam spam",
            "occurred_at": datetime.now(UTC).isoformat(),
        },
    )
    desk.ticket_for(comment_id)
    stored = desk.stored(comment_id)

    assert desk.session.post(f"/v1/interactions/{stored['id']}/hide").status_code == 202

    assert moderated(desk, stored["id"])["moderation"]["hidden"] is True
    [call] = [
        r
        for r in fakes.get("/_fake/requests", params={"network": "youtube"}).json()
        if r["query"].get("id") == comment_id
    ]
    assert call["path"] == "/youtube/v3/comments/setModerationStatus"
    assert call["query"]["moderationStatus"] == "rejected"
    assert call["authorization"] == "Bearer ya29.youtube-test"
