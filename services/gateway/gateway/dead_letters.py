"""One dead letter as operators read it (its cause, from the services' headers or from
RabbitMQ's ``x-death``) and as it travels back: written back to its DLQ unchanged, or replayed
to its queue without the dead-letter bookkeeping."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from contracts import topology as names
from servicekit.consuming import ATTEMPT_HEADER, ERROR_HEADER, ROUTING_KEY_HEADER
from servicekit.publishing import BATCH_HEADER

# Written by servicekit.consuming's dead-lettering beside ERROR_HEADER (named here, not
# there, to leave that module as it is while others change it).
QUEUE_HEADER = "x-socialdesk-queue"
FAILED_AT_HEADER = "x-socialdesk-failed-at"
REPLAYED_HEADER = "x-socialdesk-replayed"
"""How often a message was replayed from its DLQ; the other dead-letter headers are dropped on
replay, so a replayed event gets its full retries again and no stale cause."""

DROPPED_ON_REPLAY = {
    ATTEMPT_HEADER,
    ERROR_HEADER,
    QUEUE_HEADER,
    FAILED_AT_HEADER,
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
}

BODY_PREVIEW_CHARS = 2000


@dataclass
class DeadLetter:
    id: str
    position: int
    routing_key: str
    cause: str
    reason: str
    failed_at: str | None
    attempts: int
    events: int
    event_ids: list[str]
    size: int
    body: str
    body_truncated: bool
    replayed: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def copy(message: AbstractIncomingMessage) -> aio_pika.Message:
    """The dead letter as it was, to be written back to its DLQ."""
    return aio_pika.Message(
        message.body,
        headers=dict(message.headers or {}),
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        timestamp=message.timestamp,
        type=message.type,
        app_id=message.app_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def message_identity(message: AbstractIncomingMessage) -> str:
    """The message id the services give every message; for one some other producer sent
    without an id, a digest of its body, so it can still be chosen for a replay."""
    if message.message_id:
        return message.message_id
    return "sha256:" + hashlib.sha256(message.body).hexdigest()[:32]


def original_routing_key(message: AbstractIncomingMessage) -> str:
    """The contract the message was published as: the services' own header, else what
    RabbitMQ recorded when it dead-lettered the message itself."""
    headers = message.headers or {}
    if headers.get(ROUTING_KEY_HEADER):
        return _text(headers[ROUTING_KEY_HEADER])
    for death in _deaths(headers):
        keys = death.get("routing-keys") or []
        if keys:
            return _text(keys[0])
    return message.routing_key or ""


def describe(message: AbstractIncomingMessage, position: int) -> DeadLetter:
    headers = message.headers or {}
    deaths = _deaths(headers)
    if headers.get(ERROR_HEADER):
        reason, cause = "handler", _text(headers[ERROR_HEADER])
    elif deaths:
        reason = _text(deaths[0].get("reason", "unknown"))
        cause = _broker_cause(reason, deaths[0])
    else:
        reason, cause = "unknown", "no cause recorded (not dead-lettered by Socialdesk)"
    failed_at = headers.get(FAILED_AT_HEADER)
    if failed_at is None and deaths and isinstance(deaths[0].get("time"), datetime):
        failed_at = deaths[0]["time"].astimezone(UTC).isoformat()
    text = message.body.decode("utf-8", errors="replace")
    return DeadLetter(
        id=message_identity(message),
        position=position,
        routing_key=original_routing_key(message),
        cause=cause,
        reason=reason,
        failed_at=None if failed_at is None else _text(failed_at),
        attempts=_int(headers.get(ATTEMPT_HEADER), 0),
        events=_int(headers.get(BATCH_HEADER), 1),
        event_ids=_event_ids(message.body),
        size=len(message.body),
        body=text[:BODY_PREVIEW_CHARS],
        body_truncated=len(text) > BODY_PREVIEW_CHARS,
        replayed=_int(headers.get(REPLAYED_HEADER), 0),
    )


def replayed(message: AbstractIncomingMessage, spec: names.ConsumerQueue) -> aio_pika.Message:
    """The dead letter as its queue should get it again: same body, id and correlation, the
    contract's routing key in the header its consumer reads, and none of the dead-letter
    bookkeeping."""
    headers = {k: v for k, v in (message.headers or {}).items() if k not in DROPPED_ON_REPLAY}
    headers[ROUTING_KEY_HEADER] = original_routing_key(message)
    headers[REPLAYED_HEADER] = _int(headers.get(REPLAYED_HEADER), 0) + 1
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type or "application/json",
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def _broker_cause(reason: str, death: dict[str, Any]) -> str:
    queue = _text(death.get("queue", "?"))
    if reason == "delivery_limit":
        return (
            f"RabbitMQ dead-lettered it from {queue}: delivered {names.DELIVERY_LIMIT} times "
            "without being acknowledged (a consumer kept crashing or losing its connection "
            "while handling it)"
        )
    if reason == "expired":
        return f"RabbitMQ dead-lettered it from {queue}: it expired"
    return f"RabbitMQ dead-lettered it from {queue}: {reason}"


def _deaths(headers: dict[str, Any]) -> list[dict[str, Any]]:
    deaths = headers.get("x-death")
    return [d for d in deaths if isinstance(d, dict)] if isinstance(deaths, list) else []


def _event_ids(body: bytes) -> list[str]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return []
    events = parsed if isinstance(parsed, list) else [parsed]
    return [str(e["id"]) for e in events if isinstance(e, dict) and "id" in e]


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
