"""Request/reply over RabbitMQ.

The server side is a FastStream subscriber that dispatches ``RpcRequest.method`` to a table
of async functions and always answers: with the result's JSON, or, flagged by a header, with
an ``RpcError`` carrying the HTTP status the gateway should use. The client side speaks raw
aio-pika with RabbitMQ's direct reply-to, so one connection carries any number of concurrent
calls (FastStream's ``broker.request`` allows only one in flight per broker).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aio_pika
import aiormq
import pydantic_core
from faststream import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitResponse, RabbitRouter
from faststream.rabbit.message import RabbitMessage
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from contracts.rpc import STALE_REVISION, Caller, FieldError, RpcError, RpcReply, RpcRequest
from servicekit import frames, metrics, tracing
from servicekit.consuming import raw_message
from servicekit.topology import rpc_queue

log = logging.getLogger(__name__)

Method = Callable[[dict[str, Any], Caller], Awaitable[Any]]

Params = TypeVar("Params", bound=BaseModel)


def typed(params: type[Params], handle: Callable[[Params, Caller], Awaitable[Any]]) -> Method:
    """A method whose parameters are validated with the contract model the gateway sends
    (``contracts.rpc_*``): a body that does not fit it is refused with 422 before ``handle``
    runs, and ``handle`` works with the model, never with a dict."""

    async def method(raw: dict[str, Any], caller: Caller) -> Any:
        return await handle(params.model_validate(raw), caller)

    method.__name__ = method.__qualname__ = getattr(handle, "__name__", "method")
    return method


class RpcFailure(Exception):
    """A refusal the caller should see, with its HTTP status. ``loc`` names the refused
    parameter when there is one (``("open_ticket", "priority")``), so the caller's answer can
    point at it."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        loc: Sequence[str | int] | None = None,
        fields: Sequence[FieldError] = (),
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.loc = loc
        self.fields = list(fields)

    def errors(self) -> list[FieldError]:
        """For a 422: the refused values (``fields``, or the one at ``loc``)."""
        if self.status != 422:
            return []
        return self.fields or [
            FieldError(loc=list(self.loc or ()), msg=self.detail, type=self.code)
        ]


class NotFound(RpcFailure):
    status = 404
    code = "not_found"


class Conflict(RpcFailure):
    status = 409
    code = "conflict"


class Stale(Conflict):
    """A write over a revision that is no longer the record's current one."""

    code = STALE_REVISION


class Invalid(RpcFailure):
    status = 422
    code = "invalid"


ERROR_HEADER = "x-socialdesk-rpc-error"
"""Set on a reply that carries an ``RpcError``; a reply without it carries the result."""


@dataclass(frozen=True)
class WireReply:
    """A reply as it travels: the result's JSON as the method's answer serialised it once (a
    page of tickets is never parsed and re-encoded on its way to the HTTP client), or, when
    ``failed``, an ``RpcError``'s JSON."""

    body: bytes
    failed: bool = False

    @classmethod
    def received(cls, body: bytes, headers: Mapping[str, Any] | None) -> WireReply:
        """The reply as a client received it, from the message's body and headers."""
        return cls(body, bool(headers and headers.get(ERROR_HEADER)))

    @classmethod
    def error(
        cls, status: int, code: str, detail: str, errors: Sequence[FieldError] = ()
    ) -> WireReply:
        refusal = RpcError(status=status, code=code, detail=detail, errors=list(errors))
        return cls(refusal.model_dump_json().encode(), True)

    def decoded(self) -> RpcReply:
        if self.failed:
            return RpcReply(error=RpcError.model_validate_json(self.body))
        # pydantic's JSON parser: about 1.4 times as fast as json.loads on a console page's
        # answer (a ticket with its interactions), the same values.
        return RpcReply(result=from_json(self.body))


class Encoded(bytes):
    """A method's answer already written as JSON (its contract model's, byte for byte), sent
    as it is: for answers built from JSON the service keeps ready to send."""


def encode_result(value: Any) -> bytes:
    """Contract models (and lists or dicts of them) straight to JSON bytes, in pydantic's
    serialiser, without an intermediate tree of Python dicts; ``Encoded`` as it is."""
    if isinstance(value, Encoded):
        return bytes(value)
    return pydantic_core.to_json(value, by_alias=False)


async def dispatch(methods: dict[str, Method], body: bytes) -> WireReply:
    try:
        request = RpcRequest.model_validate_json(body)
    except ValidationError as exc:
        return WireReply.error(400, "bad_request", str(exc))
    started = time.perf_counter()
    reply = await _answer(methods, request)
    status = str(RpcError.model_validate_json(reply.body).status) if reply.failed else "200"
    metrics.labelled(metrics.RPC_SERVER_SECONDS, request.method, status).observe(
        time.perf_counter() - started
    )
    return reply


async def _answer(methods: dict[str, Method], request: RpcRequest) -> WireReply:
    method = methods.get(request.method)
    if method is None:
        return WireReply.error(404, "unknown_method", f"no method {request.method}")
    try:
        return WireReply(encode_result(await method(request.params, request.caller)))
    except RpcFailure as exc:
        return WireReply.error(exc.status, exc.code, exc.detail, exc.errors())
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        detail = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in errors)
        fields = [FieldError(loc=list(e["loc"]), msg=e["msg"], type=e["type"]) for e in errors]
        return WireReply.error(422, "invalid", detail, fields)
    except Exception:
        log.exception("rpc method %s failed", request.method)
        return WireReply.error(500, "internal", "internal error")


def serve(registrar: RabbitBroker | RabbitRouter, queue: str, methods: dict[str, Method]) -> None:
    """Answer requests arriving on ``queue``. Acked after the reply is sent."""

    async def on_request(message: RabbitMessage) -> RabbitResponse:
        reply = await dispatch(methods, message.body)
        return RabbitResponse(
            reply.body,
            content_type="application/json",
            headers={ERROR_HEADER: 1} if reply.failed else None,
        )

    on_request.__name__ = on_request.__qualname__ = f"serve_{queue.replace('.', '_')}"
    registrar.subscriber(rpc_queue(queue), ack_policy=AckPolicy.ACK, decoder=raw_message)(
        on_request
    )


class RpcTimeout(Exception):
    pass


class RpcUnavailable(Exception):
    """The broker connection is down, or back but the reply consumer is not re-established
    yet: the request was not sent, or its reply was lost with the connection. Safe to retry
    once the broker is back (the gateway answers 503)."""


NOT_PERSISTENT = int(aio_pika.DeliveryMode.NOT_PERSISTENT)

RPC_SEND_ERRORS = (
    aio_pika.exceptions.AMQPError,
    aio_pika.exceptions.ChannelInvalidStateError,
    ConnectionError,
)


class RpcClient:
    """Concurrent request/reply on one aio-pika connection using direct reply-to.

    RabbitMQ accepts a request whose ``reply_to`` is ``amq.rabbitmq.reply-to`` only on a channel
    that consumes from it, and refuses any other with ``PRECONDITION_FAILED - fast reply consumer
    does not exist``, closing the channel. aio-pika's robust connection reopens the channel
    after a broker restart but does not know about that pseudo-queue's consumer, so the client
    consumes again itself when the channel reopens, and sends nothing while it is not
    consuming (``ready``): those calls fail at once with ``RpcUnavailable``, as do the calls
    whose replies were lost with the old channel."""

    REPLY_TO = "amq.rabbitmq.reply-to"

    def __init__(self, url: str) -> None:
        self._url = url
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractRobustChannel | None = None
        self._pending: dict[str, asyncio.Future[WireReply]] = {}
        self._ready = False
        self._prefix = uuid.uuid4().hex[:8]
        self._call_numbers = itertools.count(1)

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        self._connection.close_callbacks.add(self._on_lost)
        # No publisher confirms: a request is not persistent and a lost one is a timeout
        # either way, so the broker's ack of each request was a frame more per call for both
        # the broker and this process, and a wait before the call could await its reply.
        channel = self._connection.channel(publisher_confirms=False)
        channel.close_callbacks.add(self._on_lost)
        channel.reopen_callbacks.add(self._on_reopened)
        await channel
        self._channel = channel
        await self._consume_replies(channel)

    async def _consume_replies(self, channel: aio_pika.abc.AbstractChannel) -> None:
        # Not declared through the robust channel, so aio-pika does not try to restore it (a
        # pseudo-queue cannot be declared); _on_reopened consumes again instead. Consumed on
        # the AMQP channel underneath: aio-pika would wrap each reply in an IncomingMessage,
        # decoding every property, and hand it on in a task of its own, only to read the
        # correlation id.
        underlay = await channel.get_underlay_channel()
        await underlay.basic_consume(self.REPLY_TO, self._on_reply, no_ack=True)
        self._ready = True

    async def _on_reopened(self, channel: Any) -> None:
        """The robust channel is open again (a reconnect, or a channel error): consume the
        replies before any request is published on it."""
        await self._consume_replies(channel)
        log.info("request/reply consumer re-established after the broker connection came back")

    def _on_lost(self, _sender: Any, reason: BaseException | None = None) -> None:
        """The channel or connection closed: stop sending, and fail the calls waiting for a
        reply, which can no longer arrive (direct replies go to the channel that asked)."""
        if self._ready:
            log.warning("request/reply channel lost (%s); calls fail until it is back", reason)
        self._ready = False
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(
                    RpcUnavailable("the connection to the message broker was lost; retry")
                )

    @property
    def ready(self) -> bool:
        """Whether calls can be made now: connected, and consuming the replies."""
        return (
            self._ready
            and self._connection is not None
            and not self._connection.is_closed
            and self._channel is not None
            and not self._channel.is_closed
        )

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def close(self) -> None:
        self._ready = False
        for future in self._pending.values():
            future.cancel()
        if self._connection is not None:
            await self._connection.close()

    async def _on_reply(self, message: aiormq.abc.DeliveredMessage) -> None:
        properties = message.header.properties
        future = self._pending.pop(properties.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(WireReply.received(message.body, properties.headers))

    async def call(
        self,
        queue: str,
        method: str,
        params: dict[str, Any],
        caller: Caller,
        timeout_seconds: float,
    ) -> WireReply:
        """The reply as it travelled (``WireReply.decoded()`` parses it), so a caller can
        pass the result on unparsed. ``RpcTimeout`` when nobody answered in time,
        ``RpcUnavailable`` when the broker connection is down."""
        if self._channel is None:
            raise RuntimeError("RpcClient.connect() was not awaited")
        if not self.ready:
            raise RpcUnavailable("the message broker is unreachable; retry shortly")
        # Unique per client: direct replies come back only to the channel that asked.
        correlation_id = f"{self._prefix}{next(self._call_numbers):x}"
        future: asyncio.Future[WireReply] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        request = RpcRequest(method=method, params=params, caller=caller)
        started, outcome = time.perf_counter(), "error"
        # The raw aio-pika publish has no FastStream middleware: the trace context is
        # written here, and the serving side's middleware reads it.
        headers: dict[str, Any] = {}
        try:
            with tracing.span(f"{queue} {method}", kind=tracing.CLIENT):
                tracing.inject(headers)
                async with asyncio.timeout(timeout_seconds):
                    await frames.publish(
                        await self._channel.get_underlay_channel(),
                        queue,
                        request.model_dump_json().encode(),
                        frames.Properties(
                            content_type="application/json",
                            correlation_id=correlation_id,
                            message_id=correlation_id,
                            reply_to=self.REPLY_TO,
                            expiration=str(max(1, int(timeout_seconds * 1000))),
                            delivery_mode=NOT_PERSISTENT,
                            headers=headers or None,
                        ),
                    )
                    reply = await future
            outcome = "error" if reply.failed else "ok"
            return reply
        except TimeoutError as exc:
            outcome = "timeout"
            metrics.RPC_TIMEOUTS.labels(queue, method).inc()
            raise RpcTimeout(f"{queue} did not answer {method} within {timeout_seconds}s") from exc
        except RPC_SEND_ERRORS as exc:
            outcome = "unavailable"
            raise RpcUnavailable(f"the message broker refused the request: {exc}") from exc
        finally:
            self._pending.pop(correlation_id, None)
            metrics.labelled(metrics.RPC_CLIENT_SECONDS, queue, method, outcome).observe(
                time.perf_counter() - started
            )
