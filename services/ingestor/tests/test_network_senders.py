"""The X, YouTube and Google senders and the moderator, against httpx's MockTransport: the
call each network documents, the account's token, the id the echo is matched by, and how
each answer is classified (retryable, refused, uncertain)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from contracts.accounts import AccountHealth, AccountRead
from contracts.interaction import Channel, Kind
from contracts.moderation import ModerationAction, ModerationRequestedV1
from contracts.opinions import OpinionAttachment
from contracts.replies import ReplyMode, ReplyRequestedV1
from ingestor.moderation import Moderator
from ingestor.replies.base import Refused, Retryable, Uncertain
from ingestor.replies.google import GoogleReviewSender
from ingestor.replies.meta import MetaSender
from ingestor.replies.x import XSender
from ingestor.replies.youtube import YouTubeSender
from ingestor.settings import IngestorSettings
from ingestor.store.accounts_port import StoredAccount

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def account(channel: Channel, network_id: str = "n-1") -> StoredAccount:
    return StoredAccount(
        AccountRead(
            id="acme",
            channel=channel,
            network_id=network_id,
            name="Acme",
            collect=[],
            active=True,
            has_credentials=True,
            health=AccountHealth(),
            created_at=NOW,
            updated_at=NOW,
        ),
        None,
    )


def reply(channel: Channel, mode: ReplyMode, target: str) -> ReplyRequestedV1:
    return ReplyRequestedV1(
        reply_id=uuid4(),
        ticket_id=uuid4(),
        channel=channel,
        account="acme",
        mode=mode,
        target=target,
        text="Olá!",
        author="agent:ana",
    )


class Network:
    """Records each request and answers with what the test queued."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def client(self) -> httpx.AsyncClient:
        def handle(request: httpx.Request) -> httpx.Response:
            self.seen.append(request)
            return self.answers.pop(0)

        return httpx.AsyncClient(transport=httpx.MockTransport(handle))


async def test_an_x_reply_and_dm_are_posted_with_the_user_token() -> None:
    net = Network(
        httpx.Response(201, json={"data": {"id": "1901", "text": "Olá!"}}),
        httpx.Response(201, json={"data": {"dm_conversation_id": "c", "dm_event_id": "1801"}}),
    )
    sender = XSender(net.client(), "https://api.x.test")
    token = {"access_token": "user-token"}
    tweet = reply(Channel.TWITTER, ReplyMode.COMMENT_REPLY, "1700")
    assert await sender.send(tweet, account(Channel.TWITTER), token) == "1901"
    dm = reply(Channel.TWITTER, ReplyMode.DIRECT_MESSAGE, "42")
    assert await sender.send(dm, account(Channel.TWITTER), token) == "1801"
    first, second = net.seen
    assert first.url.path == "/2/tweets"
    assert json.loads(first.content) == {"text": "Olá!", "reply": {"in_reply_to_tweet_id": "1700"}}
    assert first.headers["authorization"] == "Bearer user-token"
    assert second.url.path == "/2/dm_conversations/with/42/messages"


async def test_x_refusals_rate_limits_and_answers_without_an_id_are_told_apart() -> None:
    net = Network(
        httpx.Response(403, json={"detail": "You cannot send messages to this user."}),
        httpx.Response(429, headers={"Retry-After": "7"}, json={"title": "Too Many Requests"}),
        httpx.Response(200, json={"data": {}}),
    )
    sender = XSender(net.client(), "https://api.x.test")
    dm = reply(Channel.TWITTER, ReplyMode.DIRECT_MESSAGE, "42")
    with pytest.raises(Refused, match="cannot send messages"):
        await sender.send(dm, account(Channel.TWITTER), {"access_token": "t"})
    with pytest.raises(Retryable) as limited:
        await sender.send(dm, account(Channel.TWITTER), {"access_token": "t"})
    assert limited.value.retry_after == 7
    with pytest.raises(Uncertain):
        await sender.send(dm, account(Channel.TWITTER), {"access_token": "t"})
    with pytest.raises(Refused, match="access_token"):
        await sender.send(dm, account(Channel.TWITTER), {})


async def test_a_youtube_reply_is_a_comments_insert_under_the_thread() -> None:
    net = Network(
        httpx.Response(200, json={"id": "Ugx.r1"}),
        httpx.Response(
            400,
            json={"error": {"message": "no", "errors": [{"reason": "operationNotSupported"}]}},
        ),
    )
    sender = YouTubeSender(net.client(), "https://yt.test")
    answer = reply(Channel.YOUTUBE, ReplyMode.COMMENT_REPLY, "Ugx")
    assert await sender.send(answer, account(Channel.YOUTUBE), {"access_token": "t"}) == "Ugx.r1"
    call = net.seen[0]
    assert (call.url.path, call.url.params["part"]) == ("/youtube/v3/comments", "snippet")
    assert json.loads(call.content) == {"snippet": {"parentId": "Ugx", "textOriginal": "Olá!"}}
    with pytest.raises(Refused, match="operationNotSupported"):
        await sender.send(answer, account(Channel.YOUTUBE), {"access_token": "t"})


async def test_a_google_review_reply_is_a_put_on_the_reviews_name() -> None:
    net = Network(httpx.Response(200, json={"comment": "Olá!", "updateTime": "2026-12-01T00:00Z"}))
    sender = GoogleReviewSender(net.client(), "https://gbp.test")
    location = "accounts/1/locations/2"
    answer = reply(Channel.GOOGLE_BUSINESS, ReplyMode.COMMENT_REPLY, "r9")
    posted = await sender.send(
        answer, account(Channel.GOOGLE_BUSINESS, location), {"access_token": "t"}
    )
    assert posted == f"{location}/reviews/r9/reply"
    assert net.seen[0].method == "PUT"
    assert net.seen[0].url.path == f"/v4/{location}/reviews/r9/reply"
    assert json.loads(net.seen[0].content) == {"comment": "Olá!"}


def moderation(channel: Channel, action: ModerationAction) -> ModerationRequestedV1:
    return ModerationRequestedV1(
        request_id=uuid4(),
        interaction_id=uuid4(),
        ticket_id=uuid4(),
        channel=channel,
        account="acme",
        kind=Kind.COMMENT,
        target="c-1",
        action=action,
        actor="agent:ana",
    )


async def test_the_moderator_makes_each_networks_call() -> None:
    net = Network(
        httpx.Response(200, json={"success": True}),
        httpx.Response(200, json={"success": True}),
        httpx.Response(204),
        httpx.Response(200, json={"data": {"hidden": True}}),
    )
    settings = IngestorSettings.model_validate(
        {
            "SOCIALDESK_INGEST_KEY": "k" * 32,
            "meta_graph_url": "https://graph.test/v21.0",
            "youtube_base_url": "https://yt.test",
            "x_api_url": "https://x.test",
        }
    )
    moderator = Moderator(settings, net.client())
    page = {"page_access_token": "EAAB"}
    await moderator.act(moderation(Channel.INSTAGRAM, ModerationAction.HIDE), page)
    await moderator.act(moderation(Channel.FACEBOOK, ModerationAction.DELETE), page)
    await moderator.act(moderation(Channel.YOUTUBE, ModerationAction.HIDE), {"access_token": "t"})
    await moderator.act(moderation(Channel.TWITTER, ModerationAction.HIDE), {"access_token": "t"})
    hide_ig, delete_fb, youtube, x = net.seen
    assert (hide_ig.method, hide_ig.url.path, hide_ig.url.params["hide"]) == (
        "POST",
        "/v21.0/c-1",
        "true",
    )
    assert (delete_fb.method, delete_fb.url.path) == ("DELETE", "/v21.0/c-1")
    assert youtube.url.params["moderationStatus"] == "rejected"
    assert (x.method, x.url.path, json.loads(x.content)) == (
        "PUT",
        "/2/tweets/c-1/hidden",
        {"hidden": True},
    )
    with pytest.raises(Refused, match="youtube cannot delete"):
        await moderator.act(
            moderation(Channel.YOUTUBE, ModerationAction.DELETE), {"access_token": "t"}
        )


async def test_a_messenger_dm_with_a_file_resumes_after_a_429_without_resending_the_text() -> None:
    net = Network(
        httpx.Response(200, json={"recipient_id": "psid", "message_id": "m_text"}),
        httpx.Response(429, json={"error": {"message": "slow down", "code": 4}}),
        httpx.Response(200, json={"recipient_id": "psid", "message_id": "m_file"}),
    )
    sender = MetaSender(net.client(), "https://graph.test/v21.0")
    dm = reply(Channel.FACEBOOK, ReplyMode.DIRECT_MESSAGE, "psid").model_copy(
        update={
            "attachments": [
                OpinionAttachment(
                    filename="nota.pdf",
                    content_type="application/pdf",
                    size=8,
                    content_base64=base64.b64encode(b"%PDF-1.4").decode(),
                )
            ]
        }
    )
    page = account(Channel.FACEBOOK, "page-1")
    with pytest.raises(Retryable):
        await sender.send(dm, page, {"page_access_token": "EAAB"})
    assert await sender.send(dm, page, {"page_access_token": "EAAB"}) == "m_text"
    text, refused, upload = net.seen
    assert json.loads(text.content)["message"] == {"text": "Olá!"}
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b'"type": "file"' in upload.content and b"%PDF-1.4" in upload.content
    assert b"%PDF-1.4" in refused.content  # the retry was the file again, not the text
