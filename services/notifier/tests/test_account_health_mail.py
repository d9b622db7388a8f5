"""Account health alerts (issue 10): each account.health_changed.v1 is one mail to each
address in NOTIFIER_ADMIN_EMAILS, in the deployment's language, and a redelivery sends
nothing more."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import cast

import pytest
from faststream.rabbit import RabbitBroker, TestRabbitBroker

from contracts import topology
from contracts.accounts import AccountHealthChangedV1, HealthState
from contracts.interaction import Channel
from devtools import mailsink
from notifier.handlers import Deps, build_router
from notifier.mail import SmtpMailer
from notifier.settings import NotifierSettings
from notifier.store.sqlite import SqliteNotifierStore
from servicekit.publishing import EventPublisher


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


def mails(directory: Path) -> list[EmailMessage]:
    return [
        cast(EmailMessage, email.message_from_bytes(path.read_bytes(), policy=default_policy))
        for path in sorted(directory.glob("*.eml"))
    ]


def change(before: HealthState, after: HealthState) -> AccountHealthChangedV1:
    return AccountHealthChangedV1(
        account="acme-yt",
        channel=Channel.YOUTUBE,
        network_id="UC123",
        name="Acme",
        before=before,
        after=after,
        last_error="NetworkError: 503 Service Unavailable",
        consecutive_failures=3,
    )


async def deliver(
    tmp_path: Path, port: int, language: str, admins: str, *events: AccountHealthChangedV1
) -> None:
    settings = NotifierSettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        default_language=language,  # type: ignore[arg-type]
        link_secret="k" * 32,
        admin_emails=admins,
    )
    store = SqliteNotifierStore(tmp_path / "notifier.sqlite3")
    await store.open()
    broker = RabbitBroker(apply_types=False)
    broker.include_router(
        build_router(Deps(store, SmtpMailer(settings), EventPublisher(broker), settings))
    )
    try:
        async with TestRabbitBroker(broker) as test_broker:
            for event in events:
                await test_broker.publish(
                    event.model_dump_json().encode(), queue=topology.NOTIFIER_ACCOUNT_ALERTS.name
                )
    finally:
        await store.close()


async def test_an_incident_mails_each_admin_once_even_when_redelivered(
    tmp_path: Path, smtp_sink: tuple[Path, int]
) -> None:
    directory, port = smtp_sink
    failing = change(HealthState.OK, HealthState.FAILING)
    await deliver(tmp_path, port, "en", "ops@acme.test, boss@acme.test", failing, failing)
    sent = mails(directory)
    assert sorted(m["To"] for m in sent) == ["boss@acme.test", "ops@acme.test"]
    assert {m["Subject"] for m in sent} == {"[Socialdesk] Account Acme (youtube) is failing"}
    body = sent[0].get_body(("plain",))
    assert body is not None and "503 Service Unavailable" in body.get_content()


async def test_recovery_and_quota_mails_in_portuguese(
    tmp_path: Path, smtp_sink: tuple[Path, int]
) -> None:
    directory, port = smtp_sink
    await deliver(
        tmp_path,
        port,
        "pt-BR",
        "ops@acme.test",
        change(HealthState.OK, HealthState.THROTTLED),
        change(HealthState.THROTTLED, HealthState.OK),
    )
    assert sorted(m["Subject"] for m in mails(directory)) == [
        "[Socialdesk] A conta Acme (youtube) esgotou a cota",
        "[Socialdesk] A conta Acme (youtube) voltou a funcionar",
    ]


async def test_without_admin_addresses_nobody_is_mailed(
    tmp_path: Path, smtp_sink: tuple[Path, int]
) -> None:
    directory, port = smtp_sink
    await deliver(tmp_path, port, "en", "", change(HealthState.OK, HealthState.FAILING))
    assert mails(directory) == []
