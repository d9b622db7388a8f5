"""Alert e-mails on the real bus (F32): in the recipient's language and only the kinds they
want; once per (event, recipient) under redelivery and two notifier replicas; SMTP outages
retried until the mail goes out, once; what can never be sent ends in the DLQ with its
cause; a refused address does not hold back the others."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from contracts import topology
from contracts.events import DigestItem, DigestReadyV1, NotificationRequestedV1
from devtools.launcher import Stack
from servicekit.consuming import ERROR_HEADER
from tests.notifier_support import (
    dead_letters,
    notifier_logs,
    publish,
    publish_raw,
    start_mail_sink,
    stop_mail_sink,
    subject_of,
    text_of,
)
from tests.support import mails_to, unique, wait_until

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ticket_snapshot(protocol: str) -> dict[str, object]:
    return {
        "id": str(uuid4()),
        "protocol": protocol,
        "title": "review from João: atendimento péssimo",
        "status": "open",
        "priority": "urgent",
        "level": "legal",
        "assignee": None,
        "tags": [],
        "channel": "google_business",
        "account": "loja-centro",
        "interaction_count": 1,
        "opened_at": NOW,
        "updated_at": NOW,
    }


def notification(kind: str, *recipients: str, **extra: object) -> NotificationRequestedV1:
    return NotificationRequestedV1.model_validate(
        {
            "kind": kind,
            "recipients": list(recipients),
            "ticket": ticket_snapshot(f"2026-{uuid4().int % 10**6:06d}"),
            "ticket_opened": False,
            **extra,
        }
    )


@pytest.fixture
def my_settings(gateway: httpx.Client) -> Iterator[None]:
    yield
    assert gateway.put("/v1/me/notification-settings", json={}).is_success


def test_notification_settings_start_with_everything_on_and_can_be_changed(
    gateway: httpx.Client, my_settings: None
) -> None:
    defaults = gateway.get("/v1/me/notification-settings").json()
    assert defaults["language"] == "pt-BR"
    assert all(defaults["alerts"].values())

    changed = gateway.put(
        "/v1/me/notification-settings", json={"language": "en", "alerts": {"digest": False}}
    )

    assert changed.status_code == 200
    assert gateway.get("/v1/me/notification-settings").json() == changed.json()
    assert changed.json()["alerts"]["digest"] is False
    assert changed.json()["alerts"]["assigned"] is True
    bad = gateway.put("/v1/me/notification-settings", json={"language": "fr"})
    assert bad.status_code == 422


def test_a_user_gets_only_the_kinds_they_want_in_their_language(
    stack: Stack, rabbitmq_url: str, gateway: httpx.Client, my_settings: None
) -> None:
    gateway.put(
        "/v1/me/notification-settings", json={"language": "en", "alerts": {"assigned": False}}
    ).raise_for_status()
    me = f"{unique('admin')}@example.com"
    unwanted = notification("assigned", me, recipient_users={me: "admin"})
    wanted = notification(
        "escalated", me, recipient_users={me: "admin"}, detail={"priority_before": "high"}
    )

    publish(rabbitmq_url, unwanted)
    publish(rabbitmq_url, wanted)

    [mail] = wait_until(lambda: mails_to(stack.mail_dir, me), what="the escalation mail")
    assert wanted.ticket.protocol in mail["Subject"]
    assert "was escalated to urgent (it was high)" in text_of(mail)
    assert [m["Subject"] for m in mails_to(stack.mail_dir, me)] == [mail["Subject"]]


def test_a_plain_address_gets_the_mail_in_the_default_language(
    stack: Stack, rabbitmq_url: str
) -> None:
    address = f"{unique('gerente')}@example.com"
    publish(rabbitmq_url, notification("assigned", address, detail={"by": "bob"}))

    [mail] = wait_until(lambda: mails_to(stack.mail_dir, address), what="the mail")

    assert "foi atribuído a você por bob" in text_of(mail)
    assert mail.get_content_type() == "multipart/alternative"


def test_a_redelivered_event_sends_one_mail_per_recipient(stack: Stack, rabbitmq_url: str) -> None:
    first, second = (f"{unique(n)}@example.com" for n in ("ana", "bia"))
    event = notification("rule_alert", first, second)

    publish(rabbitmq_url, event, times=4)
    marker = f"{unique('marker')}@example.com"
    publish(rabbitmq_url, notification("rule_alert", marker))

    wait_until(lambda: mails_to(stack.mail_dir, marker), what="the mail published after")
    wait_until(lambda: mails_to(stack.mail_dir, second), what="the second recipient's mail")
    assert len(mails_to(stack.mail_dir, first)) == 1
    assert len(mails_to(stack.mail_dir, second)) == 1


def test_a_digest_is_mailed_once_per_window_and_recipient(stack: Stack, rabbitmq_url: str) -> None:
    address = f"{unique('gerente')}@example.com"
    digest = DigestReadyV1(
        rule_id=uuid4(),
        rule_name="Avaliações de 1 estrela",
        window_start=NOW - timedelta(hours=1),
        window_end=NOW,
        recipients=[address],
        items=[
            DigestItem(
                interaction_key="google_business:r-1",
                channel="google_business",
                account="loja-centro",
                kind="review",
                author="João",
                text="Atendimento péssimo",
                rating=1,
                occurred_at=NOW - timedelta(minutes=10),
            )
        ],
        total_matched=1,
    )

    publish(rabbitmq_url, digest, times=2)
    marker = f"{unique('marker')}@example.com"
    publish(rabbitmq_url, notification("rule_alert", marker))

    [mail] = wait_until(lambda: mails_to(stack.mail_dir, address), what="the digest")
    wait_until(lambda: mails_to(stack.mail_dir, marker), what="the mail published after")
    assert "Avaliações de 1 estrela" in subject_of(mail)
    assert "Atendimento péssimo" in text_of(mail)
    assert len(mails_to(stack.mail_dir, address)) == 1


def test_a_refused_address_does_not_hold_back_the_others(stack: Stack, rabbitmq_url: str) -> None:
    refused = f"refused-{unique('x')}@example.com"
    good = f"{unique('ok')}@example.com"

    publish(rabbitmq_url, notification("rule_alert", refused, good))

    wait_until(lambda: mails_to(stack.mail_dir, good), what="the good address's mail")
    assert mails_to(stack.mail_dir, refused) == []


def test_mail_sent_while_smtp_is_down_arrives_once_when_it_is_back(
    stack: Stack, rabbitmq_url: str
) -> None:
    address = f"{unique('paciente')}@example.com"
    stop_mail_sink(stack)
    try:
        publish(rabbitmq_url, notification("rule_alert", address))
        wait_until(lambda: address in notifier_logs(stack), what="the notifier to meet the outage")
    finally:
        start_mail_sink(stack)

    wait_until(lambda: mails_to(stack.mail_dir, address), timeout=40, what="the mail")
    marker = f"{unique('marker')}@example.com"
    publish(rabbitmq_url, notification("rule_alert", marker))
    wait_until(lambda: mails_to(stack.mail_dir, marker), what="the mail published after")
    assert len(mails_to(stack.mail_dir, address)) == 1


def test_an_invalid_event_goes_to_the_dlq_at_once_with_its_cause(
    stack: Stack, rabbitmq_url: str
) -> None:
    marker = unique("poison")
    publish_raw(
        rabbitmq_url,
        NotificationRequestedV1.routing_key,
        b'{"v": 1, "kind": "carrier_pigeon", "recipients": ["' + marker.encode() + b'"]}',
    )
    good = f"{unique('ok')}@example.com"
    publish(rabbitmq_url, notification("rule_alert", good))

    wait_until(lambda: mails_to(stack.mail_dir, good), what="the good event's mail")
    [poisoned] = wait_until(
        lambda: [
            m
            for m in dead_letters(rabbitmq_url, topology.NOTIFIER_NOTIFICATIONS.name)
            if marker.encode() in m.body
        ],
        what="the invalid event in the DLQ",
    )
    assert "invalid NotificationRequestedV1" in str(poisoned.headers[ERROR_HEADER])


def test_mail_the_server_keeps_deferring_ends_in_the_dlq_with_the_cause(
    stack: Stack, rabbitmq_url: str
) -> None:
    deferred = f"tempfail-{unique('x')}@example.com"
    event = notification("rule_alert", deferred)

    publish(rabbitmq_url, event)

    # Retried after 1 s, 5 s and 30 s, then dead-lettered.
    [dead] = wait_until(
        lambda: [
            m
            for m in dead_letters(rabbitmq_url, topology.NOTIFIER_NOTIFICATIONS.name)
            if str(event.id).encode() in m.body
        ],
        timeout=60,
        interval=0.5,
        what="the event in the DLQ",
    )
    cause = str(dead.headers[ERROR_HEADER])
    assert deferred in cause and "451" in cause
