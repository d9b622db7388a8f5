"""The notifier's repository port: the mail log that makes every e-mail go out once, the
users' notification settings, and the opinion requests with their one answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage


class Claim(StrEnum):
    GRANTED = "granted"  # this process sends it now
    DONE = "done"  # already sent (or refused for good): nothing to do
    BUSY = "busy"  # another process is sending it right now


class Answered(StrEnum):
    NOW = "now"  # this call recorded the answer
    BEFORE = "before"  # the request had been answered already: nothing was written
    MISSING = "missing"  # no such request


@dataclass(frozen=True)
class StoredSettings:
    user_id: str
    language: str | None
    alerts: dict[str, bool]


@dataclass(frozen=True)
class OpinionRequest:
    """What the collaborator's link opens: ``shared`` is the OpinionRequestedV1 body without
    the attachments' bytes (those went out with the e-mail)."""

    request_id: UUID
    ticket_id: UUID
    email: str
    expires_at: datetime
    shared: dict[str, Any]
    answered_at: datetime | None = None


class MailLog(Protocol):
    """One row per (event, recipient): the guard that makes e-mails go out once.

    A claim belongs to an ``owner`` (one send attempt of one process) for a short lease that
    the owner renews while SMTP talks. A claim whose owner died (kill -9, lost host) is free
    again once its lease ran out; a mail recorded as sent or refused is never claimed again,
    whoever asks (a redelivery, another replica, a replay from the DLQ)."""

    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the database cannot be reached (the health checks call it)."""
        ...

    async def claim(
        self, event_id: UUID, recipient: str, *, owner: str, lease_seconds: float
    ) -> Claim: ...

    async def renew(
        self, event_id: UUID, recipient: str, *, owner: str, lease_seconds: float
    ) -> bool:
        """Extend ``owner``'s lease; False when the claim is no longer its own (its lease ran
        out and someone took it over, or it is settled)."""
        ...

    async def finish(self, event_id: UUID, recipient: str, *, outcome: str) -> None:
        """Record the final outcome: "sent" or "refused" (the server rejected the address).
        A mail settled once stays settled."""
        ...

    async def release(self, event_id: UUID, recipient: str, *, owner: str) -> None:
        """Give up ``owner``'s claim after a failure so a retry can take it at once; a claim
        someone else holds now, or a settled mail, is left alone."""
        ...

    async def outcome(self, event_id: UUID, recipient: str) -> str | None:
        """ "sent", "refused", or None while the mail is not settled."""
        ...


class SettingsStore(Protocol):
    async def get_settings(self, user_id: str) -> StoredSettings | None: ...

    async def put_settings(self, settings: StoredSettings) -> None: ...

    async def settings_of(self, user_ids: Sequence[str]) -> dict[str, StoredSettings]: ...


class OpinionStore(Protocol):
    async def save_opinion_request(self, request: OpinionRequest) -> OpinionRequest:
        """Store the request unless it is known; return the stored one (a redelivered event
        must not extend the link's life)."""
        ...

    async def get_opinion_request(self, request_id: UUID) -> OpinionRequest | None: ...

    async def answer_opinion_request(
        self, request_id: UUID, *, answered_at: datetime, announce: OutgoingMessage
    ) -> Answered:
        """Mark the request answered, atomically and only once, keeping ``announce`` in an
        outbox until ``mark_published``."""
        ...

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]: ...

    async def mark_published(self, ids: Sequence[UUID]) -> None: ...

    async def outbox_backlog(self) -> Backlog:
        """How many answers' events are unpublished, and the oldest one's age."""
        ...


class NotifierStore(MailLog, SettingsStore, OpinionStore, Protocol):
    """Everything the notifier keeps, behind one store per process."""
