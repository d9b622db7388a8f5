from __future__ import annotations

from enum import StrEnum
from typing import Protocol
from uuid import UUID


class Claim(StrEnum):
    GRANTED = "granted"  # this process sends it now
    DONE = "done"  # already sent (or refused for good): nothing to do
    BUSY = "busy"  # another process is sending it right now


class MailLog(Protocol):
    """One row per (event, recipient): the guard that makes alert e-mails go out once."""

    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def claim(self, event_id: UUID, recipient: str, *, lease_seconds: float) -> Claim: ...

    async def finish(self, event_id: UUID, recipient: str, *, outcome: str) -> None:
        """Record the final outcome: "sent" or "refused" (the server rejected the address)."""
        ...

    async def release(self, event_id: UUID, recipient: str) -> None:
        """Give up the claim after a transient failure so a retry can take it at once."""
        ...
