"""Queues for operators (admin only): depths, dead letters with their cause, and replays.
The AMQP work is in ``gateway.queues``; see docs/operations.md#queues-and-dead-letters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import aio_pika
from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field

from contracts import topology as names
from gateway.deps import AdminCaller
from gateway.queues import (
    MAX_SCAN,
    OPERATION_SECONDS,
    Busy,
    QueueInspector,
    TooMany,
    UnknownQueue,
    consumer_queue,
)

router = APIRouter(prefix="/v1/admin", tags=["admin"])

ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only an administrator can do this"},
    503: {"description": "RabbitMQ cannot be reached"},
    504: {"description": "RabbitMQ did not finish in time"},
}
DLQ_ERRORS: dict[int | str, dict[str, Any]] = {
    **ADMIN_ONLY,
    404: {"description": "Not a Socialdesk queue with a DLQ, or not declared yet"},
    409: {
        "description": f"Another listing or replay of this DLQ is running, or it holds more "
        f"than {MAX_SCAN:,} dead letters"
    },
}
QueueName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="A consumer queue (`ticketing.interactions`) or its DLQ's name",
    ),
]


class QueueDepth(BaseModel):
    name: str
    kind: Literal["events", "requests", "retry"] = Field(
        description="`events`: a service's consumer queue; `requests`: request/reply from the "
        "gateway; `retry`: failed events waiting for their next attempt"
    )
    exists: bool = Field(description="Declared on the broker (its service has started once)")
    messages: int | None = Field(description="Messages ready (not those being handled)")
    consumers: int | None
    dlq: str | None = None
    dlq_messages: int | None = Field(default=None, description="Dead letters waiting")


class QueuesPage(BaseModel):
    queues: list[QueueDepth]
    dead_letters: int = Field(description="Dead letters in every DLQ together")


class DeadLetterRead(BaseModel):
    id: str = Field(description="Its message id: what a replay selects it by")
    position: int = Field(description="0 for the oldest in the DLQ")
    routing_key: str = Field(description="The contract it was published as")
    cause: str
    reason: str = Field(
        description="`handler`: the service gave up on it (the cause is its error); otherwise "
        "RabbitMQ's reason, e.g. `delivery_limit` when consumers kept crashing on it"
    )
    failed_at: str | None
    attempts: int = Field(description="Retries it had before it was dead-lettered")
    events: int = Field(description="Events in the message (a batch message holds several)")
    event_ids: list[str]
    size: int = Field(description="Body size in bytes")
    body: str = Field(description="The body as text, cut at 2,000 characters")
    body_truncated: bool
    replayed: int = Field(description="How often it was replayed before")


class DeadLettersPage(BaseModel):
    queue: str
    dlq: str
    total: int = Field(description="Dead letters in the DLQ")
    offset: int
    limit: int
    items: list[DeadLetterRead]


class ReplayRequest(BaseModel):
    ids: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None,
        max_length=1000,
        description="The dead letters to replay, by id; omitted or null replays every one",
    )
    dry_run: bool = Field(default=False, description="Only report what would be replayed")


class ReplayResult(BaseModel):
    queue: str
    dry_run: bool
    selected: list[str] = Field(description="Ids chosen, in DLQ order")
    replayed: int = Field(description="Put back on the queue (0 on a dry run)")
    not_found: list[str] = Field(description="Ids asked for that are not in the DLQ")
    scanned: int = Field(description="Dead letters read: the whole DLQ as the replay began")


def _inspector(request: Request) -> QueueInspector:
    return QueueInspector(request.app.state.settings.rabbitmq_url)


@router.get("/queues", response_model=QueuesPage, responses=ADMIN_ONLY)
async def list_queues(request: Request, caller: AdminCaller) -> QueuesPage:
    """Every Socialdesk queue with its depth and consumers, and each consumer queue's DLQ
    depth. A consumer queue without consumers, or a DLQ that is not empty, needs a person."""
    retry = [names.retry_queue(d) for d in names.RETRY_DELAYS_SECONDS]
    events = names.EVERY_CONSUMER_QUEUE
    every = [q.name for q in events] + [q.dlq for q in events] + list(names.RPC_QUEUES) + retry
    async with _broker_errors():
        depths = await _inspector(request).depths(every)

    def row(name: str, kind: Literal["events", "requests", "retry"]) -> QueueDepth:
        depth = depths[name]
        return QueueDepth(
            name=name,
            kind=kind,
            exists=depth.exists,
            messages=depth.messages,
            consumers=depth.consumers,
        )

    rows = []
    for spec in events:
        queue = row(spec.name, "events")
        queue.dlq, queue.dlq_messages = spec.dlq, depths[spec.dlq].messages
        rows.append(queue)
    rows += [row(name, "requests") for name in names.RPC_QUEUES]
    rows += [row(name, "retry") for name in retry]
    return QueuesPage(queues=rows, dead_letters=sum(q.dlq_messages or 0 for q in rows))


@router.get("/dlq/{queue}", response_model=DeadLettersPage, responses=DLQ_ERRORS)
async def list_dead_letters(
    queue: QueueName,
    request: Request,
    caller: AdminCaller,
    offset: Annotated[int, Query(ge=0, le=MAX_SCAN)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeadLettersPage:
    """The queue's dead letters, oldest first, with their cause. Reading them leaves them in
    the DLQ, in their order."""
    spec = _spec(queue)
    try:
        async with _broker_errors():
            total, items = await _inspector(request).dead_letters(spec, offset=offset, limit=limit)
    except (UnknownQueue, Busy, TooMany) as exc:
        raise _refusal(exc) from exc
    return DeadLettersPage(
        queue=spec.name,
        dlq=spec.dlq,
        total=total,
        offset=offset,
        limit=limit,
        items=[DeadLetterRead.model_validate(i.as_dict()) for i in items],
    )


@router.post("/dlq/{queue}/replay", response_model=ReplayResult, responses=DLQ_ERRORS)
async def replay_dead_letters(
    queue: QueueName, replay: ReplayRequest, request: Request, caller: AdminCaller
) -> ReplayResult:
    """Put dead letters back on their original queue, every one or those chosen by id; ids
    not in the DLQ are reported in `not_found`. The rest stay in the DLQ, in their order. A
    replayed event whose effect had already happened changes nothing: every consumer is
    idempotent (one interaction per `(channel, external_id)`, one mail per event and
    recipient). Fix the cause first: a replayed event that fails again is retried and
    dead-lettered again."""
    spec = _spec(queue)
    try:
        async with _broker_errors():
            outcome = await _inspector(request).replay(spec, ids=replay.ids, dry_run=replay.dry_run)
    except (UnknownQueue, Busy, TooMany) as exc:
        raise _refusal(exc) from exc
    return ReplayResult(
        queue=spec.name,
        dry_run=replay.dry_run,
        selected=outcome.selected,
        replayed=outcome.replayed,
        not_found=outcome.not_found,
        scanned=outcome.scanned,
    )


def _spec(queue: str) -> names.ConsumerQueue:
    try:
        return consumer_queue(queue)
    except UnknownQueue as exc:
        raise _refusal(exc) from exc


@asynccontextmanager
async def _broker_errors() -> AsyncIterator[None]:
    """RabbitMQ out of reach is a 503 and one too slow a 504, each saying so, not a 500."""
    try:
        yield
    except TimeoutError as exc:
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            f"RabbitMQ did not finish within {OPERATION_SECONDS:.0f} s; nothing was lost, "
            "every dead letter not replayed is still in the DLQ",
        ) from exc
    except (aio_pika.exceptions.AMQPError, OSError) as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"RabbitMQ cannot be reached: {exc}"
        ) from exc


def _refusal(exc: Exception) -> HTTPException:
    code = status.HTTP_404_NOT_FOUND if isinstance(exc, UnknownQueue) else status.HTTP_409_CONFLICT
    return HTTPException(code, str(exc))
