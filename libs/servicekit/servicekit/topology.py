"""Declares the exchanges and queues of contracts.topology. Every service declares what it
uses on start; declarations are idempotent because every declarer passes the same arguments."""

from __future__ import annotations

from typing import Literal

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

from contracts import topology as names

EVENTS = RabbitExchange(names.EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
DEAD_LETTERS = RabbitExchange(names.DEAD_LETTER_EXCHANGE, type=ExchangeType.DIRECT, durable=True)
REQUEUE = RabbitExchange(names.REQUEUE_EXCHANGE, type=ExchangeType.DIRECT, durable=True)

RetryQueueType = Literal["classic", "quorum"]
"""Type of the shared retry queues (``RABBITMQ_RETRY_QUEUE_TYPE``). Consumer queues and their
DLQs are always quorum queues; the retry queues are the one choice: classic is enough on one
node, but in a cluster a classic queue lives on one node, and while that node is down a retry
published to it is routed nowhere and lost. A quorum retry queue keeps a majority copy."""


def retry_exchange(delay_seconds: int) -> RabbitExchange:
    return RabbitExchange(names.retry_queue(delay_seconds), type=ExchangeType.FANOUT, durable=True)


def consumer_queue(spec: names.ConsumerQueue) -> RabbitQueue:
    """The quorum queue of one consuming purpose. RabbitMQ dead-letters a message on its own
    once it was delivered ``DELIVERY_LIMIT`` times (a consumer that keeps crashing on it)."""
    return RabbitQueue(
        spec.name,
        queue_type=QueueType.QUORUM,
        durable=True,
        arguments={
            "x-delivery-limit": names.DELIVERY_LIMIT,
            "x-dead-letter-exchange": names.DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": spec.name,
        },
    )


def rpc_queue(name: str) -> RabbitQueue:
    """Request/reply queue: classic and not persisted, because a request is worth nothing once
    its caller has timed out (requests carry a TTL), and fsyncing every read would only add
    latency."""
    return RabbitQueue(name, queue_type=QueueType.CLASSIC, durable=True)


async def declare_consumer_queue(
    broker: RabbitBroker, spec: names.ConsumerQueue, retry_queue_type: RetryQueueType = "classic"
) -> None:
    """Declare the queue with its bindings, its dead-letter queue, and the shared retry path."""
    events = await broker.declare_exchange(EVENTS)
    dead_letters = await broker.declare_exchange(DEAD_LETTERS)
    requeue = await broker.declare_exchange(REQUEUE)

    queue = await broker.declare_queue(consumer_queue(spec))
    for routing_key in spec.routing_keys:
        await queue.bind(events, routing_key=routing_key)
    await queue.bind(requeue, routing_key=spec.name)

    dlq = await broker.declare_queue(
        RabbitQueue(spec.dlq, queue_type=QueueType.QUORUM, durable=True)
    )
    await dlq.bind(dead_letters, routing_key=spec.name)

    for delay in names.RETRY_DELAYS_SECONDS:
        exchange = await broker.declare_exchange(retry_exchange(delay))
        waiting = await broker.declare_queue(retry_waiting_queue(delay, retry_queue_type))
        await waiting.bind(exchange)


def retry_waiting_queue(delay_seconds: int, queue_type: RetryQueueType = "classic") -> RabbitQueue:
    """One TTL for all its messages: they expire in arrival order, then go back to their own
    queue through the requeue exchange (they keep the routing key they were published with:
    their queue's name). Every declarer must pass the same type: RabbitMQ refuses to
    redeclare a queue with another type (PRECONDITION_FAILED)."""
    name = names.retry_queue(delay_seconds)
    ttl, requeue = delay_seconds * 1000, names.REQUEUE_EXCHANGE
    if queue_type == "classic":
        return RabbitQueue(
            name,
            queue_type=QueueType.CLASSIC,
            durable=True,
            arguments={"x-message-ttl": ttl, "x-dead-letter-exchange": requeue},
        )
    # Quorum queues dead-letter at most once by default: an expired message whose requeue failed
    # (its queue's leader moving) would be dropped. At least once keeps it until the target
    # confirms, which needs the reject-publish overflow mode.
    return RabbitQueue(
        name,
        queue_type=QueueType.QUORUM,
        durable=True,
        arguments={
            "x-message-ttl": ttl,
            "x-dead-letter-exchange": requeue,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )


async def declare_events_exchange(broker: RabbitBroker) -> None:
    await broker.declare_exchange(EVENTS)
