"""The notifier's consumers and request/reply methods: each maps a message to a use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from faststream.rabbit import RabbitRouter

from contracts import topology
from contracts.accounts import AccountHealthChangedV1
from contracts.credentials import AccessLinkMail, AccessLinkMailed
from contracts.events import DigestReadyV1, NotificationRequestedV1
from contracts.notifications import NotificationSettings, NotificationSettingsUpdate
from contracts.opinions import OpinionRequestedV1
from contracts.rpc import Caller
from contracts.rpc_notifier import (
    NotificationSettingsGetParams,
    NotifierMethod,
    OpinionAnswerParams,
    OpinionSent,
    OpinionShared,
    OpinionViewParams,
)
from notifier import access_links, opinions, sending, services
from notifier.domain import links
from notifier.settings import NotifierSettings
from notifier.store.port import NotifierStore
from servicekit import consuming, rpc
from servicekit.clock import Clock, system_clock
from servicekit.event_consumer import EventConsumer
from servicekit.publishing import EventPublisher


class Expired(rpc.RpcFailure):
    status = 410
    code = "expired"


class Answered(rpc.RpcFailure):
    status = 410
    code = "answered"


@dataclass
class Deps:
    store: NotifierStore
    mailer: sending.Mailer
    publisher: EventPublisher
    settings: NotifierSettings
    clock: Clock = system_clock
    """The time an opinion link is checked against (expiry) and answered at: tests set it."""


def build_router(deps: Deps, events: EventConsumer | None = None) -> RabbitRouter:
    """The request/reply methods, and the consumers: on ``events`` when given (what the
    service runs, ``servicekit.event_consumer``), else on FastStream's subscribers (the
    handler tests' in-memory broker)."""
    router = RabbitRouter()
    consumers: consuming.Registrar = events if events is not None else router
    store, mailer, settings = deps.store, deps.mailer, deps.settings
    policy = sending.ClaimPolicy(
        lease_seconds=settings.mail_lease_seconds, wait_seconds=settings.mail_wait_seconds
    )

    async def on_notification(event: NotificationRequestedV1) -> None:
        await services.notify(
            store=store,
            mailer=mailer,
            event=event,
            public_url=settings.public_url,
            default_language=settings.default_language,
            policy=policy,
        )

    async def on_digest(event: DigestReadyV1) -> None:
        await services.mail_digest(
            store=store,
            mailer=mailer,
            event=event,
            public_url=settings.public_url,
            default_language=settings.default_language,
            policy=policy,
        )

    async def on_opinion_requested(event: OpinionRequestedV1) -> None:
        await opinions.share(
            store=store,
            mailer=mailer,
            publisher=deps.publisher,
            event=event,
            secret=settings.link_secret,
            ttl_hours=settings.opinion_ttl_hours,
            public_url=settings.public_url,
            language=settings.default_language,
            policy=policy,
        )

    async def on_account_health(event: AccountHealthChangedV1) -> None:
        await services.mail_account_health(
            store=store,
            mailer=mailer,
            event=event,
            admins=settings.admin_addresses(),
            public_url=settings.public_url,
            default_language=settings.default_language,
            policy=policy,
        )

    publisher = deps.publisher
    consuming.consume(
        consumers,
        topology.NOTIFIER_NOTIFICATIONS,
        NotificationRequestedV1,
        on_notification,
        publisher=publisher,
    )
    consuming.consume(
        consumers, topology.NOTIFIER_DIGESTS, DigestReadyV1, on_digest, publisher=publisher
    )
    consuming.consume(
        consumers,
        topology.NOTIFIER_OPINIONS,
        OpinionRequestedV1,
        on_opinion_requested,
        publisher=publisher,
    )
    consuming.consume(
        consumers,
        topology.NOTIFIER_ACCOUNT_ALERTS,
        AccountHealthChangedV1,
        on_account_health,
        publisher=publisher,
    )
    rpc.serve(router, topology.NOTIFIER_RPC, rpc_methods(deps))
    return router


def rpc_methods(deps: Deps) -> dict[str, rpc.Method]:
    store, settings = deps.store, deps.settings

    async def get_settings(
        params: NotificationSettingsGetParams, caller: Caller
    ) -> NotificationSettings:
        return await services.get_settings(
            store=store, user_id=caller.id, default_language=settings.default_language
        )

    async def put_settings(
        update: NotificationSettingsUpdate, caller: Caller
    ) -> NotificationSettings:
        return await services.put_settings(
            store=store,
            user_id=caller.id,
            update=update,
            default_language=settings.default_language,
        )

    async def view_opinion(params: OpinionViewParams, caller: Caller) -> OpinionShared:
        with refusals():
            return await opinions.view(
                store=store,
                secret=settings.link_secret,
                token=params.token,
                now=deps.clock(),
            )

    async def answer_opinion(params: OpinionAnswerParams, caller: Caller) -> OpinionSent:
        with refusals():
            return await opinions.answer(
                store=store,
                publisher=deps.publisher,
                secret=settings.link_secret,
                token=params.token,
                reply=params.answer,
                now=deps.clock(),
            )

    async def mail_access_link(request: AccessLinkMail, caller: Caller) -> AccessLinkMailed:
        return await access_links.mail_link(
            log_store=store, mailer=deps.mailer, request=request, public_url=settings.public_url
        )

    return {
        NotifierMethod.MAIL_ACCESS_LINK: rpc.typed(AccessLinkMail, mail_access_link),
        NotifierMethod.GET_SETTINGS: rpc.typed(NotificationSettingsGetParams, get_settings),
        NotifierMethod.PUT_SETTINGS: rpc.typed(NotificationSettingsUpdate, put_settings),
        NotifierMethod.VIEW_OPINION: rpc.typed(OpinionViewParams, view_opinion),
        NotifierMethod.ANSWER_OPINION: rpc.typed(OpinionAnswerParams, answer_opinion),
    }


@contextmanager
def refusals() -> Iterator[None]:
    """A refused link becomes 404 (invalid: nothing revealed) or 410 (expired, used)."""
    try:
        yield
    except links.LinkInvalid as exc:
        raise rpc.NotFound(str(exc)) from None
    except links.LinkExpired as exc:
        raise Expired(str(exc)) from None
    except opinions.AlreadyAnswered as exc:
        raise Answered(str(exc)) from None
