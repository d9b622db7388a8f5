from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ingestor.store.accounts_port import AccountStore, Delivery
from ingestor.store.polls_port import PollStore
from ingestor.store.replies_port import ReplyStore
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage


class IngestStore(AccountStore, PollStore, ReplyStore, Protocol):
    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the database cannot be reached (the health checks call it)."""
        ...

    async def accept(
        self, received: Sequence[tuple[str, OutgoingMessage]]
    ) -> list[OutgoingMessage]:
        """Record each (dedup key, event) whose key was never seen and return the events of
        the new keys in order; keys seen before (or earlier in the same batch) are left out.
        SQLite records the batch atomically; MongoDB record by record, so after a failure part
        of the batch may be recorded: those rows are published by the outbox relay, and a retry
        of the batch counts them as duplicates. Nothing accepted is lost either way."""
        ...

    async def accept_delivery(
        self,
        received: Sequence[tuple[str, OutgoingMessage]],
        *,
        delivery: Delivery | None,
        threads: dict[str, str],
        touched: Sequence[str],
        at: datetime,
    ) -> list[OutgoingMessage]:
        """``accept``, ``remember_threads``, ``keep_delivery`` (its ``accepted`` and
        ``duplicates`` counted here) and ``note_events`` together: one transaction on SQLite,
        one after the other on MongoDB. The events of the new keys."""
        ...

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]: ...

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        """RabbitMQ has these events: drop their bodies and keep only the de-duplication key
        (and the event id), so storage grows by a key per interaction, not by its body. An
        adapter may write this a moment later (SQLite rides it on the next write transaction);
        every other method of the port sees it already."""
        ...

    async def outbox_backlog(self) -> Backlog:
        """How many accepted events are unpublished, and the oldest one's age."""
        ...

    async def unpublished_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` accepted earlier whose event RabbitMQ has not confirmed yet (they
        wait in the outbox, e.g. after an outage): a retry of them is pending, not a
        duplicate of something already delivered."""
        ...

    async def body_of(self, dedup_key: str) -> bytes | None:
        """The event body still kept for ``dedup_key``: until it is published, then None."""
        ...

    async def forget_published(self, *, before: datetime) -> int:
        """Forget the keys published before ``before`` (a redelivery after that is accepted
        again); unpublished rows are kept whatever their age. How many were forgotten."""
        ...
