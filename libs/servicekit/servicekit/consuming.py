"""Reliable consumption: parse the contract, run the handler, and on failure retry with
back-off before dead-lettering with the cause. A message is acknowledged only after its
handler returned (its effect is committed) or after it was handed on, confirmed, to the retry
or dead-letter path, so nothing is lost between the two.

A batch message (see ``servicekit.publishing``) is unpacked and its events are handled
concurrently, each on its own: an invalid or failing event is dead-lettered or retried alone,
as a plain message, and the batch is acknowledged once every event in it is settled."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from faststream import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitExchange, RabbitRouter
from faststream.rabbit.message import RabbitMessage
from pydantic import BaseModel, ValidationError

from contracts import topology as names
from servicekit.publishing import BATCH_HEADER, EventPublisher
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
    ``publisher`` hands failed events on to the retry and dead-letter paths. The broker
    must be made with ``apply_types=False`` (as ``servicekit.service.new_broker`` does)."""
    broker = publisher.broker

    async def on_message(message: RabbitMessage) -> None:
        routing_key = original_routing_key(message)
        headers = {k: v for k, v in (message.headers or {}).items() if k != BATCH_HEADER}
        settle = _Settler(broker, spec, routing_key, headers, message.correlation_id)
        contract = model.get(routing_key) if isinstance(model, Mapping) else model
        if contract is None:
            await settle.dead_letter(message.body, f"unexpected routing key {routing_key!r}")
            return
        if BATCH_HEADER not in (message.headers or {}):
            await _handle(contract, handler, settle, message.body, None)
            return
        try:
            items = json.loads(message.body)
            if not isinstance(items, list):
                raise ValueError("a batch message holds a JSON array")
        except ValueError as exc:
            await settle.dead_letter(message.body, f"unreadable batch: {exc}")
            return
        await asyncio.gather(*(_handle(contract, handler, settle, None, i) for i in items))

    on_message.__name__ = on_message.__qualname__ = f"consume_{spec.name.replace('.', '_')}"
    registrar.subscriber(
        consumer_queue(spec), ack_policy=AckPolicy.REJECT_ON_ERROR, decoder=raw_message
    )(on_message)


async def _handle(
    contract: type[M],
    handler: Callable[[M], Awaitable[None]],
    settle: _Settler,
    body: bytes | None,
    item: Any,
) -> None:
    """One event, given as raw bytes (a plain message) or as parsed JSON (a batch item)."""
    try:
        event = (
            contract.model_validate_json(body)
            if body is not None
            else (contract.model_validate(item))
        )
    except ValidationError as exc:
        await settle.dead_letter(_raw(body, item), f"invalid {contract.__name__}: {exc}")
        return
    try:
        await handler(event)
    except PermanentFailure as exc:
        await settle.dead_letter(_raw(body, item), f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        await settle.retry(_raw(body, item), f"{type(exc).__name__}: {exc}")


def _raw(body: bytes | None, item: Any) -> bytes:
    return body if body is not None else json.dumps(item).encode()


class _Settler:
    """Hands a failed event on, as a plain message of its own, confirmed before the message
    that carried it is acknowledged."""

    def __init__(
        self,
        broker: RabbitBroker,
        spec: names.ConsumerQueue,
        routing_key: str,
        headers: dict[str, Any],
        correlation_id: str | None,
    ) -> None:
        self._broker = broker
        self._spec = spec
        self._routing_key = routing_key
        self._headers = headers
        self._correlation_id = correlation_id

    async def retry(self, body: bytes, cause: str) -> None:
        attempt = int(self._headers.get(ATTEMPT_HEADER, 0))
        delay = retry_delay(attempt)
        if delay is None:
            log.error("giving up on an event from %s after %d retries", self._spec.name, attempt)
            await self.dead_letter(body, cause)
            return
        log.warning("retrying an event from %s in %ss: %s", self._spec.name, delay, cause)
        await self._forward(
            body,
            retry_exchange(delay),
            {
                ATTEMPT_HEADER: attempt + 1,
                ERROR_HEADER: cause[:1000],
            },
        )

    async def dead_letter(self, body: bytes, cause: str) -> None:
        log.error("dead-lettering an event from %s: %s", self._spec.name, cause[:500])
        await self._forward(
            body,
            DEAD_LETTERS,
            {
                ERROR_HEADER: cause[:4000],
                "x-socialdesk-queue": self._spec.name,
                "x-socialdesk-failed-at": datetime.now(UTC).isoformat(),
            },
        )

    async def _forward(self, body: bytes, exchange: RabbitExchange, extra: dict[str, Any]) -> None:
        # Both paths route by the queue's name; the original routing key travels in a header.
        await self._broker.publish(
            body,
            exchange=exchange,
            routing_key=self._spec.name,
            persist=True,
            mandatory=False,
            headers={**self._headers, ROUTING_KEY_HEADER: self._routing_key, **extra},
            message_id=str(uuid.uuid4()),
            correlation_id=self._correlation_id,
            content_type="application/json",
        )


def original_routing_key(message: RabbitMessage) -> str:
    headers = message.headers or {}
    return str(headers.get(ROUTING_KEY_HEADER) or message.raw_message.routing_key or "")


async def raw_message(message: RabbitMessage) -> RabbitMessage:
    """FastStream decoder that hands the handler the message itself. With the broker's
    ``apply_types=False`` this skips dependency injection, which FastStream resolves in a
    worker thread per parameter (measured: ~0.2 ms of CPU per message per parameter)."""
    return message
