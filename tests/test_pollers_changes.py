"""Changes made on the polled networks after an item was read, through the real services and
RabbitMQ against the fake networks: a YouTube comment edited then its thread deleted, and a
Reclame Aqui complaint answered then evaluated, each reach the ticket's history with the
network as the actor; a late reply on a YouTube thread past the first page still arrives
(docs/channels.md "Polled networks")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from devtools.launcher import Process
from tests.support import create_rule, unique, wait_until
from tests.test_pollers import add_youtube_comments, fake_meta, pollers, rfc3339
from tests.test_webhooks_meta import interactions_of, register

__all__ = ["fake_meta", "pollers"]  # the fake networks and two polling replicas, shared


def keyword_rule(gateway: httpx.Client) -> str:
    keyword = unique("kw").replace("-", "")
    create_rule(
        gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    return keyword


def changes_on(gateway: httpx.Client, ticket_id: str, n: int) -> list[dict[str, Any]] | None:
    entries = gateway.get(f"/v1/tickets/{ticket_id}/history").json()
    changes = [h for h in entries if h["action"].startswith("interaction_")]
    return changes if len(changes) >= n else None


def test_a_youtube_comment_edited_then_deleted_shows_on_the_ticket(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    channel = unique("UC")
    account = register(
        gateway, "youtube", network_id=channel, collect=["comments"], credentials={"api_key": "k"}
    )
    keyword = keyword_rule(gateway)
    comment_id = unique("ytc")
    published = datetime.now(UTC) - timedelta(minutes=5)  # within the re-check window
    fake_meta.post(
        "/_fake/youtube/comments",
        json={
            "channel_id": channel,
            "video_id": unique("video"),
            "comment_id": comment_id,
            "text": f"O produto quebrou {keyword}",
            "author_channel_id": "UC-fan",
            "author_name": "Fã",
            "published_at": rfc3339(published),
        },
    ).raise_for_status()
    ticket_id = wait_until(
        lambda: interactions_of(gateway, account["id"], 1)[0].get("ticket_id"),
        timeout=60,
        what="the comment's ticket",
    )
    fake_meta.patch(
        f"/_fake/youtube/comments/{comment_id}", json={"text": f"{keyword} trocaram, obrigado"}
    ).raise_for_status()
    [edited] = wait_until(
        lambda: changes_on(gateway, ticket_id, 1), timeout=60, what="the edit in the history"
    )
    assert (edited["action"], edited["actor"]) == ("interaction_edited", "network:youtube")
    assert (edited["before"], edited["after"]) == (
        f"O produto quebrou {keyword}",
        f"{keyword} trocaram, obrigado",
    )
    fake_meta.delete(f"/_fake/youtube/comments/{comment_id}").raise_for_status()
    changes = wait_until(
        lambda: changes_on(gateway, ticket_id, 2), timeout=60, what="the removal in the history"
    )
    assert [c["action"] for c in changes] == ["interaction_edited", "interaction_removed"]
    [kept] = gateway.get(f"/v1/tickets/{ticket_id}").json()["interactions"]
    assert kept["removed_at"] is not None  # marked, never erased
    assert kept["interaction"]["text"] == f"{keyword} trocaram, obrigado"


def test_a_reclame_aqui_status_change_shows_on_the_ticket(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    client = unique("ra")
    account = register(
        gateway,
        "reclame_aqui",
        collect=["comments"],
        credentials={"client_id": client, "client_secret": "s"},
    )
    keyword = keyword_rule(gateway)
    complaint = uuid.uuid4().int % 10**9
    fake_meta.post(
        "/_fake/reclameaqui/tickets",
        json={
            "client_id": client,
            "ticket": {
                "id": complaint,
                "complaint_title": f"Entrega atrasada {keyword}",
                "complaint_content": "Comprei há um mês e nada",
                "customer": {"name": "Bia", "email": ["bia@example.com"]},
                "ra_status": "Não respondida",
                "interactions": [],
                "creation_date": "2026-11-20T10:00:00Z",
                "last_modification_date": "2026-11-20T10:00:00Z",
            },
        },
    ).raise_for_status()
    ticket_id = wait_until(
        lambda: interactions_of(gateway, account["id"], 1)[0].get("ticket_id"),
        timeout=60,
        what="the complaint's ticket",
    )
    for status, at in (("Respondida", "2026-11-21T10:00:00Z"), ("Avaliada", None)):
        fake_meta.patch(
            f"/_fake/reclameaqui/tickets/{complaint}",
            json={"ra_status": status, "last_modification_date": at},
        ).raise_for_status()
        wait_until(
            lambda status=status: any(  # type: ignore[misc]
                c["after"] == status for c in changes_on(gateway, ticket_id, 1) or []
            ),
            timeout=60,
            what=f"the status {status} in the history",
        )
    changes = changes_on(gateway, ticket_id, 2) or []
    assert [(c["action"], c["field"], c["actor"], c["before"], c["after"]) for c in changes] == [
        ("interaction_status", "network_status", "network:reclame_aqui", None, "Respondida"),
        ("interaction_status", "network_status", "network:reclame_aqui", "Respondida", "Avaliada"),
    ]
    [kept] = gateway.get(f"/v1/tickets/{ticket_id}").json()["interactions"]
    assert kept["network_status"] == "Avaliada"


def test_a_late_reply_on_a_youtube_thread_past_the_first_page_arrives(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    channel = unique("UC")
    start = datetime.now(UTC) - timedelta(hours=2)  # within the re-check window
    [old] = add_youtube_comments(fake_meta, channel, 1, start=start, prefix=unique("old"))
    # 105 newer threads push the old one off the first page of 100.
    add_youtube_comments(
        fake_meta, channel, 105, start=start + timedelta(minutes=1), prefix=unique("new")
    )
    account = register(
        gateway, "youtube", network_id=channel, collect=["comments"], credentials={"api_key": "k"}
    )
    interactions_of(gateway, account["id"], 106)
    fake_meta.post(
        "/_fake/youtube/comments",
        json={
            "channel_id": channel,
            "video_id": "v",
            "comment_id": f"{old}.late",
            "parent_id": old,
            "text": "Ainda estou esperando",
            "author_channel_id": "UC-fan-late",
            "author_name": "Fã",
            "published_at": rfc3339(datetime.now(UTC)),
        },
    ).raise_for_status()
    # Only a re-read finds the reply (the listing stops at the first page): 20 of the 106
    # remembered threads a poll, so up to six polls of the account. Each poll waits for the
    # replica's tick, and a tick polls every active account of the session: the Facebook
    # pages earlier tests registered are reconciled every second here. Alone this wait takes
    # a few seconds; with 60 such pages on a loaded machine (2026-12-01) a tick took 9-17 s
    # and the reply arrived after 52 s and 102 s in two runs.
    found = interactions_of(gateway, account["id"], 107, timeout=180)
    [late] = [i["interaction"] for i in found if i["interaction"]["external_id"] == f"{old}.late"]
    assert (late["kind"], late["parent_id"], late["text"]) == (
        "reply",
        old,
        "Ainda estou esperando",
    )
