"""The retry queues' declaration: classic stays exactly what existing deployments declared (a
different argument would make RabbitMQ refuse the redeclaration at start), quorum adds what a
quorum queue needs to hand expired messages on without losing any."""

from __future__ import annotations

from servicekit.topology import retry_waiting_queue


def test_classic_retry_queues_keep_the_arguments_existing_deployments_declared() -> None:
    queue = retry_waiting_queue(5)

    assert queue.arguments == {
        "x-queue-type": "classic",
        "x-message-ttl": 5000,
        "x-dead-letter-exchange": "socialdesk.requeue",
    }


def test_quorum_retry_queues_dead_letter_expired_messages_at_least_once() -> None:
    queue = retry_waiting_queue(30, "quorum")

    assert queue.durable
    assert queue.arguments == {
        "x-queue-type": "quorum",
        "x-message-ttl": 30000,
        "x-dead-letter-exchange": "socialdesk.requeue",
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
