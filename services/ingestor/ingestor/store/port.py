from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ingestor.store.accounts_port import AccountStore
from servicekit.publishing import OutgoingMessage


class IngestStore(AccountStore, Protocol):
    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def accept(
        self, received: Sequence[tuple[str, OutgoingMessage]]
    ) -> list[OutgoingMessage]:
        """Record each (dedup key, event) whose key was never seen and return the events of
        the new keys in order; keys seen before (or earlier in the same batch) are left out.
        SQLite records the batch atomically; MongoDB record by record, so after a failure part
        of the batch may be recorded: those rows are published by the outbox relay, and a retry
        of the batch counts them as duplicates. Nothing accepted is lost either way."""
        ...

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]: ...

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        """RabbitMQ has these events: drop their bodies and keep only the de-duplication key
        (and the event id), so storage grows by a key per interaction, not by its body."""
        ...

    async def body_of(self, dedup_key: str) -> bytes | None:
        """The event body still kept for ``dedup_key``: until it is published, then None."""
        ...

    async def forget_published(self, *, before: datetime) -> int:
        """Forget the keys published before ``before`` (a redelivery after that is accepted
        again); unpublished rows are kept whatever their age. How many were forgotten."""
        ...
