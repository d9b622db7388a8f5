"""Names of every exchange, queue and routing key. Declaration lives in servicekit; the names
live here so producers and consumers can never disagree on them."""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts.events import (
    InteractionReceivedV1,
    InteractionTriagedV1,
    NotificationRequestedV1,
)

EVENTS_EXCHANGE = "socialdesk.events"
"""Topic exchange every event is published to, under its versioned routing key."""

DEAD_LETTER_EXCHANGE = "socialdesk.dlx"
"""Direct exchange; a queue's dead letters are routed by the queue's name to ``<queue>.dlq``."""

REQUEUE_EXCHANGE = "socialdesk.requeue"
"""Direct exchange that returns a message whose retry delay expired to the queue it came from
(routing key = that queue's name)."""

RETRY_DELAYS_SECONDS = (1, 5, 30)
"""Back-off before the 1st, 2nd and 3rd retry of a failed message; then it is dead-lettered."""

DELIVERY_LIMIT = 10
"""Quorum-queue safety net: a message redelivered this often (consumer crashes mid-handling)
is dead-lettered by RabbitMQ itself."""


def retry_queue(delay_seconds: int) -> str:
    return f"socialdesk.retry.{delay_seconds}s"


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


@dataclass(frozen=True)
class ConsumerQueue:
    """One consuming purpose of one service: a durable quorum queue shared by the service's
    replicas, bound to the events it needs, with its own dead-letter queue."""

    name: str
    routing_keys: tuple[str, ...]
    description: str = field(default="", compare=False)

    @property
    def dlq(self) -> str:
        return dead_letter_queue(self.name)


RULES_INTERACTIONS = ConsumerQueue(
    "rules.interactions",
    (InteractionReceivedV1.routing_key,),
    "Rules evaluate every received interaction.",
)
TICKETING_INTERACTIONS = ConsumerQueue(
    "ticketing.interactions",
    (InteractionTriagedV1.routing_key,),
    "Ticketing stores triaged interactions and opens or extends tickets.",
)
NOTIFIER_NOTIFICATIONS = ConsumerQueue(
    "notifier.notifications",
    (NotificationRequestedV1.routing_key,),
    "The notifier sends the e-mails other services ask for.",
)

CONSUMER_QUEUES = (RULES_INTERACTIONS, TICKETING_INTERACTIONS, NOTIFIER_NOTIFICATIONS)

TICKETING_RPC = "ticketing.rpc"
RULES_RPC = "rules.rpc"
INGESTOR_RPC = "ingestor.rpc"
"""Request queues for request/reply calls from the gateway. Requests are transient with a
per-message TTL equal to the caller's timeout: a request nobody answered in time is dropped
rather than executed after the caller gave up."""

# Notifications and opinion requests (#5).
NOTIFIER_DIGESTS = ConsumerQueue(
    "notifier.digests",
    ("digest.ready.v1",),
    "The notifier mails each closed digest window once per recipient.",
)
NOTIFIER_OPINIONS = ConsumerQueue(
    "notifier.opinions",
    ("opinion.requested.v1",),
    "The notifier keeps each opinion request and mails the collaborator its link.",
)
TICKETING_OPINIONS = ConsumerQueue(
    "ticketing.opinions",
    ("opinion.received.v1", "opinion.undeliverable.v1"),
    "Ticketing adds a collaborator's answer, or the news that none can come, to the ticket.",
)
NOTIFIER_RPC = "notifier.rpc"
"""Request queue of the notifier: notification settings, opinion pages and answers."""

# Edits and removals on the networks (#10).
TICKETING_CHANGES = ConsumerQueue(
    "ticketing.changes",
    ("interaction.changed.v1",),
    "Ticketing applies a network's edit or removal to the stored interaction.",
)
# People and their groups (#13).
RULES_PEOPLE = ConsumerQueue(
    "rules.people",
    ("person.changed.v1",),
    "Rules keep which groups each author's person is in, for conditions on groups.",
)
# Replies to customers (#11).
INGESTOR_REPLIES = ConsumerQueue(
    "ingestor.replies",
    ("reply.requested.v1",),
    "The ingestor sends each reply to its network once, with the account's credentials.",
)
TICKETING_REPLIES = ConsumerQueue(
    "ticketing.replies",
    ("reply.delivered.v1", "reply.failed.v1"),
    "Ticketing records what became of a reply: sent, failed or uncertain.",
)
# Moderating the networks' content (#11 part 7).
INGESTOR_MODERATION = ConsumerQueue(
    "ingestor.moderation",
    ("moderation.requested.v1",),
    "The ingestor hides, unhides or deletes a comment on its network with the account's "
    "credentials.",
)
TICKETING_MODERATION = ConsumerQueue(
    "ticketing.moderation",
    ("moderation.done.v1", "moderation.failed.v1"),
    "Ticketing records what the network made of a moderation, on the interaction and in the "
    "ticket's history.",
)
# Reports (#13).
TICKETING_REPORTS = ConsumerQueue(
    "ticketing.reports",
    ("ticket.opened.v1", "ticket.changed.v1"),
    "Ticketing projects each changed ticket into the report counters.",
)
# Account health alerts (#10).
NOTIFIER_ACCOUNT_ALERTS = ConsumerQueue(
    "notifier.account_alerts",
    ("account.health_changed.v1",),
    "The notifier mails the admins once when an account turns failing or throttled, and "
    "once when it recovers.",
)
EVERY_CONSUMER_QUEUE = (
    *CONSUMER_QUEUES,
    NOTIFIER_DIGESTS,
    NOTIFIER_OPINIONS,
    TICKETING_OPINIONS,
    TICKETING_CHANGES,
    RULES_PEOPLE,
    INGESTOR_REPLIES,
    TICKETING_REPLIES,
    TICKETING_REPORTS,
    INGESTOR_MODERATION,
    TICKETING_MODERATION,
    NOTIFIER_ACCOUNT_ALERTS,
)
"""Every consumer queue, each with its DLQ: what operators list and replay."""
RPC_QUEUES = (TICKETING_RPC, RULES_RPC, NOTIFIER_RPC, INGESTOR_RPC)
