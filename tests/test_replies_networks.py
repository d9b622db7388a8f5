"""Replies on X, YouTube and Google Business Profile (issue 11 part 3), through the real
services against the fake networks: the agent answers on the ticket, the ingestor calls the
network's API with the account's token, the ticket shows it sent, and what the network cannot
do is refused at once with the reason."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from devtools.fakenets import meta, x
from devtools.launcher import Stack
from tests.conftest import FAKENETS_PORT, TEST_PORT_OFFSET
from tests.fakenets_process import fake_networks
from tests.support import create_rule, post, unique, wait_until
from tests.test_replies import Desk
from tests.test_webhooks_meta import comment, deliver

X_TOKEN = "x-user-context-token"
GOOGLE_TOKEN = "ya29.google-test"


@pytest.fixture(scope="module")
def fakes(stack: Stack) -> Iterator[httpx.Client]:
    """The fake networks where the stack's ingestor sends replies (tests/conftest.py)."""
    with fake_networks(stack, FAKENETS_PORT + TEST_PORT_OFFSET) as client:
        yield client


def calls(fake: httpx.Client, network: str, text: str) -> list[dict[str, Any]]:
    return [
        r
        for r in fake.get("/_fake/requests", params={"network": network}).json()
        if text in str(r["body"])
    ]


def ingested(ingestor: httpx.Client, desk: Desk, **interaction: Any) -> str:
    """A customer's interaction on the desk's account, as a connector hands it over."""
    external_id = interaction.pop("external_id", unique("ext"))
    post(
        ingestor,
        {
            "channel": desk.account["channel"],
            "account": desk.account["id"],
            "external_id": external_id,
            "occurred_at": datetime.now(UTC).isoformat(),
            **interaction,
        },
    )
    return external_id


def x_desk(gateway: httpx.Client) -> Desk:
    return Desk(
        gateway,
        "twitter",
        network_id=unique("9000").replace("-", ""),
        collect=["mentions", "direct_messages"],
        credentials={"access_token": X_TOKEN},
    )


def test_an_x_reply_is_posted_as_the_account_and_its_echo_adds_nothing(
    fakes: httpx.Client, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = x_desk(gateway)
    customer = x.user(unique("42").replace("-", ""), "maria_souza", "Maria Souza")
    mention = x.tweet(tweet_id=unique("17").replace("-", ""), author=customer, text="@acme e aí?")
    assert (
        fakes.post(
            "/_fake/x/deliver",
            content=x.encode(x.delivery(desk.account["network_id"], tweet_create_events=[mention])),
        ).json()["status"]
        == 200
    )
    ticket = desk.ticket_for(mention["id_str"])
    text = f"Oi Maria, já vamos ver {unique('r')}"

    answer = desk.reply(ticket, text=text, status_after="pending")

    assert answer.status_code == 202, answer.text
    reply = desk.settled(ticket, answer.json()["id"])
    assert reply["delivery"]["state"] == "sent", reply
    [call] = calls(fakes, "x", text)
    assert call["path"] == "/2/tweets"
    assert call["body"] == {"text": text, "reply": {"in_reply_to_tweet_id": mention["id_str"]}}
    assert call["authorization"] == f"Bearer {X_TOKEN}"
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert detail["status"] == "pending"

    # X's webhook then shows the account's own tweet: the reply we posted, by its id.
    brand = x.user(desk.account["network_id"], "acme", "Acme Brasil")
    echo = x.tweet(
        tweet_id=reply["delivery"]["network_id"],
        author=brand,
        text=text,
        in_reply_to=mention["id_str"],
    )
    delivered = fakes.post(
        "/_fake/x/deliver",
        content=x.encode(x.delivery(desk.account["network_id"], tweet_create_events=[echo])),
    ).json()
    assert '"accepted":0' in delivered["body"].replace(" ", ""), delivered
    after = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert len(after["interactions"]) == len(detail["interactions"])
    assert after["status"] == "pending"


def test_an_x_dm_goes_to_a_customer_who_wrote_by_dm_and_is_refused_to_one_who_did_not(
    fakes: httpx.Client, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = x_desk(gateway)
    customer = unique("42").replace("-", "")
    dm = ingested(
        ingestor,
        desk,
        thread_id=f"dm:{desk.account['network_id']}:{customer}",
        kind="direct_message",
        visibility="private",
        author={"id": customer, "name": "Maria Souza", "handle": "maria_souza"},
        text="Meu pedido não chegou",
    )
    ticket = desk.ticket_for(dm)
    text = f"Pode nos passar o número do pedido? {unique('r')}"

    reply = desk.settled(ticket, desk.reply(ticket, text=text).json()["id"])

    assert reply["delivery"]["state"] == "sent", reply
    [call] = calls(fakes, "x", text)
    assert call["path"] == f"/2/dm_conversations/with/{customer}/messages"
    assert call["body"] == {"text": text}
    assert call["authorization"] == f"Bearer {X_TOKEN}"

    # A public tweet's author who never wrote by DM: X would refuse the DM, so we do first.
    stranger = unique("43").replace("-", "")
    tweet = ingested(
        ingestor,
        desk,
        kind="post",
        author={"id": stranger, "name": "João", "handle": "joao"},
        text="@acme péssimo atendimento",
    )
    other = desk.ticket_for(tweet)
    refused = desk.reply(other, text="Te chamamos no direct", private=True)
    assert refused.status_code == 422, refused.text
    assert "@joao has never written to it by DM" in refused.text

    # One who wrote and later closed their DMs: X's own 403 is the reason on the ticket.
    fakes.post(f"/_fake/x/closed-dms/{customer}")
    closed = desk.settled(ticket, desk.reply(ticket, text="Mais uma coisa").json()["id"])
    assert closed["delivery"]["state"] == "failed", closed
    assert "not following you" in closed["delivery"]["reason"]


def test_a_youtube_reply_goes_under_the_threads_top_comment(
    fakes: httpx.Client, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(
        gateway,
        "youtube",
        network_id=unique("UCacme"),
        credentials={"access_token": "ya29.youtube-test"},
    )
    video, top = unique("vid"), unique("Ugx")
    for comment_id, refuses in ((top, False), (f"{top}-closed", True)):
        fakes.post(
            "/_fake/youtube/comments",
            json={
                "channel_id": desk.account["network_id"],
                "video_id": video,
                "comment_id": comment_id,
                "text": "Não consigo acessar o curso",
                "author_channel_id": "UCmaria",
                "author_name": "Maria",
                "published_at": datetime.now(UTC).isoformat(),
                "no_replies": refuses,
            },
        )
    answer_id = ingested(
        ingestor,
        desk,
        external_id=f"{top}.answer1",
        thread_id=video,
        parent_id=top,
        kind="reply",
        author={"id": "UCmaria", "name": "Maria"},
        text="Alguém?",
        raw={"thread": top, "can_reply": True},
    )
    ticket = desk.ticket_for(answer_id)
    text = f"Oi Maria, veja seu e-mail {unique('r')}"

    reply = desk.settled(ticket, desk.reply(ticket, text=text).json()["id"])

    assert reply["delivery"]["state"] == "sent", reply
    [call] = calls(fakes, "youtube", text)
    assert call["path"] == "/youtube/v3/comments"
    assert call["query"] == {"part": "snippet"}
    assert call["body"] == {"snippet": {"parentId": top, "textOriginal": text}}
    # The id YouTube gave is the comment the next poll lists as the channel's own.
    listed = fakes.get(
        "/youtube/v3/commentThreads",
        params={"allThreadsRelatedToChannelId": desk.account["network_id"]},
    ).json()
    thread = next(t for t in listed["items"] if t["id"] == top)
    assert reply["delivery"]["network_id"] in [c["id"] for c in thread["replies"]["comments"]]

    closed = ingested(
        ingestor,
        desk,
        external_id=f"{top}-closed",
        thread_id=f"{video}-other",
        parent_id=f"{video}-other",
        kind="comment",
        author={"id": "UCmaria", "name": "Maria"},
        text="Comentários desativados?",
        raw={"thread": f"{top}-closed", "can_reply": False},
    )
    refused = desk.reply(desk.ticket_for(closed), text="Oi")
    assert refused.status_code == 422, refused.text
    assert "does not accept replies" in refused.text


def test_a_google_review_gets_its_one_reply(
    fakes: httpx.Client, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    location = f"accounts/{unique('1')}/locations/{unique('2')}"
    desk = Desk(
        gateway, "google_business", network_id=location, credentials={"access_token": GOOGLE_TOKEN}
    )
    review_id = unique("rev")
    fakes.post(
        "/_fake/google/reviews",
        json={"location": location, "review_id": review_id, "comment": "Ruim", "stars": 2},
    )
    ingested(
        ingestor,
        desk,
        external_id=review_id,
        thread_id=f"{location}/reviews/{review_id}",
        kind="review",
        author={"id": "maria", "name": "Maria"},
        text="Ruim",
        rating=2,
        raw={"name": f"{location}/reviews/{review_id}", "reviewId": review_id},
    )
    ticket = desk.ticket_for(review_id)
    text = f"Sentimos muito, Maria {unique('r')}"

    reply = desk.settled(
        ticket, desk.reply(ticket, text=text, status_after="resolved").json()["id"]
    )

    assert reply["delivery"]["state"] == "sent", reply
    [call] = calls(fakes, "google", text)
    assert call["method"] == "PUT"
    assert call["path"] == f"/v4/{location}/reviews/{review_id}/reply"
    assert call["body"] == {"comment": text}
    assert call["authorization"] == f"Bearer {GOOGLE_TOKEN}"
    listed = fakes.get(f"/v4/{location}/reviews").json()["reviews"]
    assert listed[0]["reviewReply"]["comment"] == text

    second = desk.reply(ticket, text="Outra resposta")
    assert second.status_code == 422, second.text
    assert "one reply per review, and a new one replaces it" in second.text


def test_linkedin_and_reclame_aqui_replies_are_refused_with_the_reason(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    for channel, reason in (
        ("linkedin", "granted to approved partners only"),
        ("reclame_aqui", "HugMe answer API is not publicly documented"),
    ):
        desk = Desk(gateway, channel, credentials={"access_token": "t"})
        item = ingested(
            ingestor,
            desk,
            kind="comment",
            thread_id=unique("post"),
            author={"id": "maria", "name": "Maria"},
            text="Olá",
        )
        refused = desk.reply(desk.ticket_for(item), text="Oi")
        assert refused.status_code == 422, refused.text
        assert reason in refused.text


def test_an_automatic_reply_owed_by_a_comment_a_later_ticket_collects_reaches_the_network(
    fakes: httpx.Client, gateway: httpx.Client
) -> None:
    desk = Desk(gateway)
    alert_word, open_word = unique("alerta").replace("-", ""), unique("abre").replace("-", "")
    create_rule(
        gateway,
        {
            "name": alert_word,
            "when": {"text_any": [alert_word]},
            "then": {"auto_reply": {"template": f"Recebemos, $author_name {alert_word}"}},
        },
    )
    create_rule(
        gateway,
        {"name": open_word, "when": {"text_any": [open_word]}, "then": {"open_ticket": {}}},
    )
    post_id = unique("post")
    first = comment(desk.account, f"{alert_word} meu pedido", post_id=post_id)
    assert deliver(fakes, meta.delivery("page", [first]))["status"] == 200
    first_id = first["changes"][0]["value"]["comment_id"]
    stored = desk.stored(first_id)
    assert stored["ticket_id"] is None  # no rule opens a ticket for it: the reply waits

    second = comment(desk.account, f"{open_word} ainda nada", post_id=post_id)
    assert deliver(fakes, meta.delivery("page", [second]))["status"] == 200

    ticket = wait_until(
        lambda: desk.stored(first_id)["ticket_id"], what="the ticket collecting the comment"
    )
    [call] = wait_until(
        lambda: calls(fakes, "meta", f"Recebemos, Maria Souza {alert_word}"),
        what="the automatic reply at the Graph API",
    )
    assert call["path"] == f"/v21.0/{first_id}/comments"
    detail = gateway.get(f"/v1/tickets/{ticket}").json()
    [reply] = [i for i in detail["interactions"] if i["interaction"]["direction"] == "outbound"]
    reply = desk.settled({"id": ticket}, reply["id"])
    assert reply["delivery"]["state"] == "sent", reply
    assert reply["interaction"]["parent_id"] == first_id


def test_a_messenger_dm_carries_an_image_uploaded_to_the_send_api(
    fakes: httpx.Client, gateway: httpx.Client
) -> None:
    desk = Desk(gateway)
    customer, mid = unique("psid"), unique("mid")
    item = meta.direct_message(
        account_id=desk.account["network_id"], customer_id=customer, mid=mid, text="Oi!"
    )
    assert deliver(fakes, meta.delivery("page", [item]))["status"] == 200
    ticket = desk.ticket_for(mid)
    image = b"\x89PNG\r\n\x1a\n segunda via " + unique("img").encode()
    text = f"Segue a segunda via {unique('r')}"

    answer = desk.reply(
        ticket,
        text=text,
        attachments=[
            {
                "filename": "segunda-via.png",
                "content_type": "image/png",
                "content_base64": base64.b64encode(image).decode(),
            }
        ],
    )

    assert answer.status_code == 202, answer.text
    reply = desk.settled(ticket, answer.json()["id"])
    assert reply["delivery"]["state"] == "sent", reply
    sent = [
        r
        for r in fakes.get("/_fake/requests", params={"network": "meta"}).json()
        if r["path"] == f"/v21.0/{desk.account['network_id']}/messages"
        and r["body"].get("recipient") == {"id": customer}
    ]
    assert [s["body"]["message"].get("text") for s in sent] == [text, None]
    upload = sent[1]["body"]
    assert upload["message"] == {"attachment": {"type": "image", "payload": {"is_reusable": False}}}
    assert upload["filedata"]["filename"] == "segunda-via.png"
    assert upload["filedata"]["content_type"] == "image/png"
    assert upload["filedata"]["sha256"] == hashlib.sha256(image).hexdigest()


def test_attachments_on_a_comment_reply_are_refused_with_the_reason(
    fakes: httpx.Client, gateway: httpx.Client
) -> None:
    desk = Desk(gateway)
    comment_id = unique("c")
    assert (
        deliver(fakes, meta.delivery("page", [comment(desk.account, "Oi", comment_id=comment_id)]))[
            "status"
        ]
        == 200
    )
    ticket = desk.ticket_for(comment_id)
    pdf = {
        "filename": "nota.pdf",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(b"%PDF-1.4 nota").decode(),
    }
    refused = desk.reply(ticket, text="Segue", attachments=[pdf])
    assert refused.status_code == 422, refused.text
    assert "a facebook comment reply takes text only" in refused.text
