"""The notifier's consumers and request/reply methods, on FastStream's in-memory broker with
the real SMTP sender and a local SMTP sink: an alert becomes one mail per recipient, a
redelivery sends nothing more, a message that is not the contract is dead-lettered, and the
caller's notification settings are read and written through the router."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, cast

import pytest
from faststream.rabbit import RabbitBroker, RabbitQueue, TestRabbitBroker
from faststream.rabbit.message import RabbitMessage

from contracts import topology
from contracts.events import NotificationRequestedV1
from contracts.notifications import NotificationSettings
from contracts.opinions import OpinionAttachment, OpinionRequestedV1
from contracts.rpc import Caller, RpcReply, RpcRequest
from contracts.rpc_notifier import NotifierMethod, OpinionSent, OpinionShared
from devtools import mailsink
from notifier.handlers import Deps, build_router
from notifier.mail import SmtpMailer
from notifier.settings import NotifierSettings
from notifier.store.sqlite import SqliteNotifierStore
from servicekit import rpc
from servicekit.clock import ManualClock
from servicekit.consuming import ERROR_HEADER, raw_message
from servicekit.publishing import EventPublisher
from servicekit.topology import DEAD_LETTERS

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


TICKET = {
    "id": "6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
    "protocol": "2026-000042",
    "title": "comment from Ana: Anatel",
    "status": "new",
    "priority": "urgent",
    "level": "legal",
    "assignee": None,
    "tags": ["anatel"],
    "channel": "facebook",
    "account": "acme",
    "interaction_count": 1,
    "opened_at": NOW,
    "updated_at": NOW,
}


def rule_alert(*recipients: str, users: dict[str, str] | None = None) -> NotificationRequestedV1:
    return NotificationRequestedV1.model_validate(
        {
            "kind": "rule_alert",
            "ticket_opened": True,
            "recipients": list(recipients),
            "recipient_users": users or {},
            "ticket": TICKET,
        }
    )


@dataclass
class Harness:
    broker: RabbitBroker
    mail_dir: Path
    clock: ManualClock

    def mails(self) -> list[EmailMessage]:
        return [
            cast(EmailMessage, email.message_from_bytes(path.read_bytes(), policy=default_policy))
            for path in sorted(self.mail_dir.glob("*.eml"))
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    directory, port = tmp_path / "mail", free_port()
    controller = mailsink.start(directory, port=port)
    yield directory, port
    controller.stop()


@pytest.fixture
async def harness(tmp_path: Path, smtp_sink: tuple[Path, int]) -> AsyncIterator[Harness]:
    mail_dir, port = smtp_sink
    settings = NotifierSettings(
        smtp_host="127.0.0.1", smtp_port=port, default_language="en", link_secret="k" * 32
    )
    store = SqliteNotifierStore(tmp_path / "notifier.sqlite3")
    await store.open()
    broker = RabbitBroker(apply_types=False)  # as servicekit.service.new_broker makes it
    publisher = EventPublisher(broker)
    clock = ManualClock(NOW)
    broker.include_router(
        build_router(Deps(store, SmtpMailer(settings), publisher, settings, clock=clock))
    )
    yield Harness(broker, mail_dir, clock)
    await store.close()


async def publish_alert(broker: RabbitBroker, event: NotificationRequestedV1) -> None:
    await broker.publish(
        event.model_dump_json().encode(), queue=topology.NOTIFIER_NOTIFICATIONS.name
    )


async def call(broker: RabbitBroker, method: str, params: dict[str, Any], user: str) -> RpcReply:
    request = RpcRequest(method=method, params=params, caller=Caller(id=user))
    response = await broker.request(request.model_dump_json().encode(), queue=topology.NOTIFIER_RPC)
    return rpc.WireReply.received(response.body, response.headers).decoded()


async def test_a_rule_alert_is_mailed_once_to_each_recipient(harness: Harness) -> None:
    async with TestRabbitBroker(harness.broker) as broker:
        await publish_alert(broker, rule_alert("legal@example.com", "boss@example.com"))

    mails = harness.mails()
    assert sorted(m["To"] for m in mails) == ["boss@example.com", "legal@example.com"]
    assert all("2026-000042" in m["Subject"] for m in mails)


async def test_a_redelivered_alert_sends_nothing_more(harness: Harness) -> None:
    event = rule_alert("legal@example.com")
    async with TestRabbitBroker(harness.broker) as broker:
        await publish_alert(broker, event)
        await publish_alert(broker, event)

    assert [m["To"] for m in harness.mails()] == ["legal@example.com"]


async def test_an_alert_that_is_not_the_contract_is_dead_lettered_and_mails_nothing(
    harness: Harness,
) -> None:
    dead: list[Any] = []

    @harness.broker.subscriber(
        RabbitQueue("test.dead", routing_key=topology.NOTIFIER_NOTIFICATIONS.name),
        DEAD_LETTERS,
        decoder=raw_message,
    )
    async def collect(message: RabbitMessage) -> None:
        dead.append(message.headers)

    async with TestRabbitBroker(harness.broker) as broker:
        await broker.publish(
            b'{"v": 1, "kind": "rule_alert"}', queue=topology.NOTIFIER_NOTIFICATIONS.name
        )

    [headers] = dead
    assert "invalid NotificationRequestedV1" in headers[ERROR_HEADER]
    assert harness.mails() == []


async def test_notification_settings_start_with_every_kind_on(harness: Harness) -> None:
    async with TestRabbitBroker(harness.broker) as broker:
        reply = await call(broker, NotifierMethod.GET_SETTINGS, {}, "ana")

    settings = NotificationSettings.model_validate(reply.result)
    assert settings.user_id == "ana" and settings.language == "en"
    assert settings.alerts.rule_alert and settings.alerts.digest


async def test_a_user_who_switched_rule_alerts_off_gets_none(harness: Harness) -> None:
    async with TestRabbitBroker(harness.broker) as broker:
        put = await call(
            broker,
            NotifierMethod.PUT_SETTINGS,
            {"language": "pt-BR", "alerts": {"rule_alert": False}},
            "ana",
        )
        got = await call(broker, NotifierMethod.GET_SETTINGS, {}, "ana")
        await publish_alert(
            broker,
            rule_alert("ana@example.com", "boss@example.com", users={"ana@example.com": "ana"}),
        )

    assert put.error is None and put.result == got.result
    stored = NotificationSettings.model_validate(got.result)
    assert stored.language == "pt-BR" and not stored.alerts.rule_alert and stored.alerts.digest
    assert [m["To"] for m in harness.mails()] == ["boss@example.com"]


async def test_settings_that_are_not_the_contract_are_refused_with_422(harness: Harness) -> None:
    async with TestRabbitBroker(harness.broker) as broker:
        reply = await call(broker, NotifierMethod.PUT_SETTINGS, {"language": "fr"}, "ana")
        unknown = await call(broker, NotifierMethod.GET_SETTINGS, {"user": "bob"}, "ana")

    assert reply.error is not None and reply.error.status == 422
    assert "language" in reply.error.detail
    assert unknown.error is not None and unknown.error.status == 422


async def test_an_opinion_link_that_was_never_issued_shows_nothing(harness: Harness) -> None:
    async with TestRabbitBroker(harness.broker) as broker:
        viewed = await call(broker, NotifierMethod.VIEW_OPINION, {"token": "forged"}, "guest")
        answered = await call(
            broker,
            NotifierMethod.ANSWER_OPINION,
            {"token": "forged", "answer": {"text": "agreed"}},
            "guest",
        )

    assert viewed.error is not None and viewed.error.status == 404
    assert answered.error is not None and answered.error.status == 404


def opinion_request(request_id: str) -> OpinionRequestedV1:
    return OpinionRequestedV1(
        occurred_at=NOW,
        request_id=request_id,
        ticket=TICKET,
        interactions=[],
        note="Does this hold up?",
        collaborator_email="expert@example.com",
        requested_by="agent:ana",
    )


async def request_opinion(broker: RabbitBroker, harness: Harness, request_id: str) -> str:
    """The token of the link the request mails (requested on NOW, valid for 72 hours)."""
    before = len(harness.mails())
    await broker.publish(
        opinion_request(request_id).model_dump_json().encode(),
        queue=topology.NOTIFIER_OPINIONS.name,
    )
    body = harness.mails()[before].get_body(("plain",))
    assert body is not None
    token = re.search(r"/v1/opinions/([^\s\"<>]+)", body.get_content())
    assert token is not None
    return token[1]


async def test_an_opinion_is_answered_and_its_link_expires_by_the_notifier_s_clock(
    harness: Harness,
) -> None:
    answer = {"text": "It holds up."}
    async with TestRabbitBroker(harness.broker) as broker:
        first = await request_opinion(broker, harness, "0d3c8f0e-52a4-4a5e-9a57-1f6f3c1d2b7b")
        second = await request_opinion(broker, harness, "0d3c8f0e-52a4-4a5e-9a57-1f6f3c1d2b7c")
        harness.clock.advance(3600)
        answered = await call(
            broker, NotifierMethod.ANSWER_OPINION, {"token": first, "answer": answer}, "guest"
        )
        harness.clock.advance(72 * 3600)  # NOW + 73 hours: past the second link's expiry
        late = await call(broker, NotifierMethod.VIEW_OPINION, {"token": second}, "guest")

    sent = OpinionSent.model_validate(answered.result)
    assert sent.answered_at == NOW + timedelta(hours=1)
    assert late.error is not None and (late.error.status, late.error.code) == (410, "expired")


async def test_an_opinion_request_mails_a_link_that_shows_the_ticket_and_takes_one_answer(
    harness: Harness,
) -> None:
    request = OpinionRequestedV1(
        request_id="0d3c8f0e-52a4-4a5e-9a57-1f6f3c1d2b7a",
        ticket=TICKET,
        interactions=[
            {
                "occurred_at": NOW,
                "channel": "facebook",
                "kind": "comment",
                "direction": "inbound",
                "author": "Ana",
                "text": "Vou na Anatel",
            }
        ],
        note="Does this hold up?",
        attachments=[
            OpinionAttachment(
                filename="contract.pdf",
                content_type="application/pdf",
                size=4,
                content_base64="JVBERg==",
            )
        ],
        collaborator_email="expert@example.com",
        requested_by="agent:ana",
    )
    async with TestRabbitBroker(harness.broker) as broker:
        await broker.publish(
            request.model_dump_json().encode(), queue=topology.NOTIFIER_OPINIONS.name
        )
        [mail] = harness.mails()
        body = mail.get_body(("plain",))
        assert body is not None
        token = re.search(r"/v1/opinions/([^\s\"<>]+)", body.get_content())
        assert token is not None
        viewed = await call(broker, NotifierMethod.VIEW_OPINION, {"token": token[1]}, "guest")
        params = {"token": token[1], "answer": {"text": "It holds up."}}
        answered = await call(broker, NotifierMethod.ANSWER_OPINION, params, "guest")
        again = await call(broker, NotifierMethod.ANSWER_OPINION, params, "guest")

    assert mail["To"] == "expert@example.com"
    shared = OpinionShared.model_validate(viewed.result)
    assert shared.ticket.protocol == "2026-000042" and shared.note == "Does this hold up?"
    assert [a.filename for a in shared.attachments] == ["contract.pdf"]
    assert [i.text for i in shared.interactions] == ["Vou na Anatel"]
    assert OpinionSent.model_validate(answered.result).status == "sent"
    assert again.error is not None and again.error.status == 410
