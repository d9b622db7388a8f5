from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from servicekit.publishing import OutgoingMessage


class IngestStore(Protocol):
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

    async def mark_published(self, ids: Sequence[UUID]) -> None: ...
