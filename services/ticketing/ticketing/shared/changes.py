"""A ticket's field changes, written down twice: as history entries (F7, one per changed
field) and as the ``changes`` of the ``ticket.changed`` event that announces them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.events import FieldChange, TicketChangedV1
from contracts.tickets import HistoryEntry
from ticketing.domain.tickets import Change, Outcome
from ticketing.shared import views


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


def field_changes(changes: Sequence[Change]) -> list[FieldChange]:
    return [FieldChange(field=c.field, before=c.before, after=c.after) for c in changes]


def ticket_changed(outcome: Outcome, actor: str, **caused: Any) -> TicketChangedV1:
    """The event announcing ``outcome``; ``caused`` carries the cause's correlation id."""
    return TicketChangedV1(
        **caused,
        ticket=views.snapshot(outcome.ticket),
        actor=actor,
        changes=field_changes(outcome.changes),
    )
