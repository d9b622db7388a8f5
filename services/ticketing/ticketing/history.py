"""History entries (F7) for the field changes of a ticket: one entry per changed field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.tickets import HistoryEntry
from ticketing.domain.tickets import Change


def change_entries(
    ticket_id: UUID,
    actor: str,
    changes: Sequence[Change],
    at: datetime,
    detail: dict[str, Any] | None = None,
    action: str = "changed",
) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            id=uuid4(),
            ticket_id=ticket_id,
            at=at,
            actor=actor,
            action=action,
            field=c.field,
            before=c.before,
            after=c.after,
            detail=detail or {},
        )
        for c in changes
    ]
