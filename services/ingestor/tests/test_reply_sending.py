"""Sending one reply, on every store backend, with a scripted sender in place of a network:
claimed before the call, retried on Retryable waiting what Retry-After asks, never called
again once claimed, and exactly one outcome recorded."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from contracts.accounts import AccountHealth, AccountRead
from contracts.interaction import Channel
from contracts.replies import ReplyMode, ReplyRequestedV1
from ingestor.credentials import Vault
from ingestor.replies.base import Refused, Retryable, Uncertain
from ingestor.replies.sending import RetryPolicy, deliver
from ingestor.store.accounts_port import StoredAccount
from ingestor.store.port import IngestStore
from servicekit.clock import ManualClock
from servicekit.publishing import OutgoingMessage

VAULT = Vault(Fernet.generate_key())


class Script:
    """Answers the sender gives, in order: an id (posted) or an exception."""

    def __init__(self, *answers: str | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def send(self, request: Any, account: Any, credentials: dict[str, str]) -> str:
        self.calls += 1
        assert credentials == {"page_access_token": "EAAB-test"}
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Published:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def publish_all(self, messages: list[OutgoingMessage]) -> None:
        self.events += [{"routing_key": m.routing_key, **json.loads(m.body)} for m in messages]


@pytest.fixture
async def account(store: IngestStore, clock: ManualClock) -> AccountRead:
    read = AccountRead(
        id="acme-page",
        channel=Channel.FACEBOOK,
        network_id="1000",
        name="Acme",
        collect=[],
        active=True,
        has_credentials=True,
        health=AccountHealth(),
        created_at=clock(),
        updated_at=clock(),
    )
    sealed = VAULT.seal({"page_access_token": SecretStr("EAAB-test")})
    await store.create_account(StoredAccount(read, sealed))
    return read


def request() -> ReplyRequestedV1:
    return ReplyRequestedV1(
        reply_id=uuid4(),
        ticket_id=uuid4(),
        channel=Channel.FACEBOOK,
        account="acme-page",
        mode=ReplyMode.COMMENT_REPLY,
        target="123_456",
        text="Olá!",
        author="agent:ana",
    )


async def run(
    store: IngestStore, clock: ManualClock, script: Script, asked: ReplyRequestedV1, **policy: Any
) -> tuple[list[dict[str, Any]], list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    published = Published()
    await deliver(
        request=asked,
        store=store,
        vault=VAULT,
        senders={Channel.FACEBOOK: script},
        publisher=published,  # type: ignore[arg-type]
        policy=RetryPolicy(sleep=sleep, **policy),
        clock=clock,
    )
    return published.events, waits


async def test_a_429_waits_what_retry_after_asks_then_the_reply_is_sent(
    store: IngestStore, clock: ManualClock, account: AccountRead
) -> None:
    script = Script(Retryable("HTTP 429", retry_after=7), "123_456_789")

    [event], waits = await run(store, clock, script, request())

    assert waits == [7]
    assert event["routing_key"] == "reply.delivered.v1"
    assert event["network_id"] == "123_456_789"
    assert [a["outcome"] for a in event["attempts"]] == ["retry", "sent"]
    assert await store.our_replies(["facebook:123_456_789"]) == {"facebook:123_456_789"}


async def test_a_retry_after_longer_than_we_hold_a_reply_fails_it_without_another_call(
    store: IngestStore, clock: ManualClock, account: AccountRead
) -> None:
    script = Script(Retryable("HTTP 429", retry_after=3600), "never")

    [event], waits = await run(store, clock, script, request(), max_wait_seconds=60)

    assert (script.calls, waits) == (1, [])
    assert event["routing_key"] == "reply.failed.v1"
    assert "Retry-After 3600" in event["reason"]
    assert not event["uncertain"]


async def test_5xx_is_retried_with_back_off_until_the_attempts_run_out(
    store: IngestStore, clock: ManualClock, account: AccountRead
) -> None:
    script = Script(*[Retryable("HTTP 503: down")] * 3)

    [event], waits = await run(store, clock, script, request(), attempts=3)

    assert script.calls == 3
    assert len(waits) == 2 and all(w > 0 for w in waits)
    assert event["routing_key"] == "reply.failed.v1"
    assert event["reason"] == "HTTP 503: down"
    assert [a["outcome"] for a in event["attempts"]] == ["retry", "retry", "failed"]


async def test_a_refusal_fails_at_once(
    store: IngestStore, clock: ManualClock, account: AccountRead
) -> None:
    script = Script(Refused("HTTP 400: Unsupported post request"), "never")

    [event], waits = await run(store, clock, script, request())

    assert (script.calls, waits) == (1, [])
    assert event["reason"] == "HTTP 400: Unsupported post request"


async def test_no_answer_after_sending_is_uncertain_and_not_retried(
    store: IngestStore, clock: ManualClock, account: AccountRead
) -> None:
    script = Script(Uncertain("read timeout"), "never")

    [event], _ = await run(store, clock, script, request())

    assert script.calls == 1
    assert event["routing_key"] == "reply.failed.v1"
    assert event["uncertain"]


async def test_a_redelivered_request_whose_claim_has_no_outcome_becomes_uncertain_uncalled(
    store: IngestStore, clock: ManualClock, account: AccountRead
) -> None:
    asked = request()
    await store.claim_reply(str(asked.reply_id), clock())  # a sender that died mid-call
    script = Script("never")

    [event], _ = await run(store, clock, script, asked)

    assert script.calls == 0
    assert event["routing_key"] == "reply.failed.v1"
    assert event["uncertain"]


async def test_a_redelivered_request_of_a_settled_reply_does_nothing(
    store: IngestStore, clock: ManualClock, account: AccountRead
) -> None:
    asked = request()
    await run(store, clock, Script("1_2"), asked)
    script = Script("again")

    events, _ = await run(store, clock, script, asked)

    assert (script.calls, events) == (0, [])
