"""The notifier's consumers."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from contracts import topology
from contracts.events import NotificationRequestedV1
from notifier import services
from notifier.store.port import MailLog
from servicekit import consuming
from servicekit.publishing import EventPublisher


def build_router(
    *, log_store: MailLog, mailer: services.Mailer, public_url: str, publisher: EventPublisher
) -> RabbitRouter:
    router = RabbitRouter()

    async def on_notification(event: NotificationRequestedV1) -> None:
        mails = services.alert_mails(event, public_url)
        await services.send_once(log_store=log_store, mailer=mailer, mails=mails)

    consuming.consume(
        router,
        topology.NOTIFIER_NOTIFICATIONS,
        NotificationRequestedV1,
        on_notification,
        publisher=publisher,
    )
    return router
