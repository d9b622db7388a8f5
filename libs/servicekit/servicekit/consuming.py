"""Reliable consumption: parse the contract, run the handler, and on failure retry with
back-off before dead-lettering with the cause. The message is acknowledged only after the
handler returned (its effect is committed) or after the message was handed on, confirmed, to
the retry or dead-letter path, so nothing is lost between the two."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from faststream import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitRouter
from faststream.rabbit.message import RabbitMessage
from pydantic import BaseModel, ValidationError

from contracts import topology as names
from servicekit.publishing import EventPublisher
from servicekit.topology import DEAD_LETTERS, consumer_queue, retry_exchange

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-socialdesk-attempt"
ERROR_HEADER = "x-socialdesk-error"
ROUTING_KEY_HEADER = "x-socialdesk-routing-key"
"""The routing key a message was first published with; retries travel under the queue's name."""

M = TypeVar("M", bound=BaseModel)


class PermanentFailure(Exception):
    """Raised by a handler for a message that can never succeed (retrying is pointless)."""


def retry_delay(attempt: int) -> int | None:
    """Seconds to wait before retry number ``attempt + 1``; None once retries are used up."""
    delays = names.RETRY_DELAYS_SECONDS
    return delays[attempt] if attempt < len(delays) else None


def consume(
    registrar: RabbitBroker | RabbitRouter,
    spec: names.ConsumerQueue,
    model: type[M] | Mapping[str, type[M]],
    handler: Callable[[M], Awaitable[None]],
    *,
    publisher: EventPublisher,
) -> None:
    """Subscribe ``handler`` to the queue of ``spec``, fed with ``model`` instances. When the
    queue carries several event types, ``model`` maps each routing key to its contract.
    ``publisher`` hands failed messages on to the retry and dead-letter paths. The broker
    must be made with ``apply_types=False`` (as ``servicekit.service.new_broker`` does)."""
    target = publisher.broker

    async def on_message(message: RabbitMessage) -> None:
        routing_key = original_routing_key(message)
        contract = model.get(routing_key) if isinstance(model, Mapping) else model
        if contract is None:
            await _dead_letter(target, spec, message, f"unexpected routing key {routing_key!r}")
            return
        try:
            event = contract.model_validate_json(message.body)
        except ValidationError as exc:
            await _dead_letter(target, spec, message, f"invalid {contract.__name__}: {exc}")
            return
        try:
            await handler(event)
        except PermanentFailure as exc:
            await _dead_letter(target, spec, message, f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0))
            cause = f"{type(exc).__name__}: {exc}"
            delay = retry_delay(attempt)
            if delay is None:
                log.exception("giving up on a message from %s", spec.name)
                await _dead_letter(target, spec, message, cause)
            else:
                log.warning("retrying a message from %s in %ss: %s", spec.name, delay, cause)
                await _forward(
                    target,
                    message,
                    retry_exchange(delay),
                    spec.name,
                    {
                        ATTEMPT_HEADER: attempt + 1,
                        ERROR_HEADER: cause[:1000],
                        ROUTING_KEY_HEADER: routing_key,
                    },
                )

    on_message.__name__ = on_message.__qualname__ = f"consume_{spec.name.replace('.', '_')}"
    registrar.subscriber(
        consumer_queue(spec), ack_policy=AckPolicy.REJECT_ON_ERROR, decoder=raw_message
    )(on_message)


async def raw_message(message: RabbitMessage) -> RabbitMessage:
    """FastStream decoder that hands the handler the message itself. With the broker's
    ``apply_types=False`` this skips dependency injection, which FastStream resolves in a
    worker thread per parameter (measured: ~0.2 ms of CPU per message per parameter)."""
    return message


def original_routing_key(message: RabbitMessage) -> str:
    headers = message.headers or {}
    return str(headers.get(ROUTING_KEY_HEADER) or message.raw_message.routing_key or "")


async def _dead_letter(
    broker: RabbitBroker, spec: names.ConsumerQueue, message: RabbitMessage, cause: str
) -> None:
    log.error("dead-lettering a message from %s: %s", spec.name, cause[:500])
    await _forward(
        broker,
        message,
        DEAD_LETTERS,
        spec.name,
        {
            ERROR_HEADER: cause[:4000],
            ROUTING_KEY_HEADER: original_routing_key(message),
            "x-socialdesk-queue": spec.name,
            "x-socialdesk-failed-at": datetime.now(UTC).isoformat(),
        },
    )


async def _forward(broker, message, exchange, routing_key, headers) -> None:  # type: ignore[no-untyped-def]
    await broker.publish(
        message.body,
        exchange=exchange,
        routing_key=routing_key,
        persist=True,
        mandatory=False,
        headers={**(message.headers or {}), **headers},
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
    )
