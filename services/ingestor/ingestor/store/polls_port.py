"""The pollers' part of the store (docs/channels.md "Pollers"): per account, a lease (which
ingestor replica polls it now, until when), when it is due next, and the cursor it resumes
from, which survives restarts. Both adapters mix this into their store."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from contracts.accounts import HealthState
from servicekit.publishing import OutgoingMessage


class PollStore(Protocol):
    async def claim_poll(
        self, account_id: str, owner: str, *, now: datetime, lease_until: datetime
    ) -> dict[str, Any] | None:
        """Lease ``account_id`` to ``owner`` until ``lease_until`` when its poll is due and no
        other owner holds an unexpired lease; the stored cursor (``{}`` the first time), or
        None when the account is not ``owner``'s to poll now."""
        ...

    async def finish_poll(
        self, account_id: str, owner: str, *, cursor: dict[str, Any], next_poll_at: datetime
    ) -> bool:
        """Save the cursor, schedule the next poll and release the lease; False (nothing
        saved) when ``owner`` no longer holds it."""
        ...

    async def poll_cursor(self, account_id: str) -> dict[str, Any] | None:
        """The saved cursor, None when never polled."""
        ...

    async def set_health(
        self,
        account_id: str,
        *,
        state: HealthState,
        last_error: str | None,
        consecutive_failures: int,
        last_poll_at: datetime | None = None,
        changed_at: datetime | None = None,
        event: tuple[str, OutgoingMessage] | None = None,
    ) -> list[OutgoingMessage]:
        """Write these health fields (``last_poll_at`` and ``changed_at`` only when given);
        the others, such as ``last_event_at`` written by webhooks, are left alone. ``event``
        (dedup key, message) announces a change of state: it goes into the outbox with the
        write (SQLite: the same transaction; MongoDB: the outbox row first, so a crash in
        between repeats the same key and the retry is a duplicate). The event when it is new,
        to publish."""
        ...
