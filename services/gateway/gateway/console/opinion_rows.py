"""The opinion requests of a ticket (F31) as rows for its page, read from the history the
page already loads: ticketing records a request as an "opinion_requested" entry and its
outcome as "opinion_received" or "opinion_undeliverable" naming the same request, so the
page needs no call of its own to show which requests still wait."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REQUESTED = "opinion_requested"
RECEIVED = "opinion_received"
UNDELIVERABLE = "opinion_undeliverable"


@dataclass(frozen=True)
class OpinionRow:
    request_id: str
    email: str
    requested_at: str
    requested_by: str
    note: str
    attachments: tuple[str, ...]
    state: str
    """``waiting``, ``answered`` or ``undeliverable``."""
    closed_at: str = ""
    reason: str = ""


def opinion_rows(history: Iterable[Mapping[str, Any]]) -> list[OpinionRow]:
    """Every request on the ticket, newest first, with what became of it."""
    entries = list(history)
    outcomes = {
        str(e.get("detail", {}).get("request_id")): e
        for e in entries
        if e.get("action") in (RECEIVED, UNDELIVERABLE)
    }
    rows = []
    for entry in entries:
        if entry.get("action") != REQUESTED:
            continue
        detail = entry.get("detail", {})
        request_id = str(detail.get("request_id"))
        outcome = outcomes.get(request_id)
        state = "waiting"
        if outcome is not None:
            state = "answered" if outcome["action"] == RECEIVED else "undeliverable"
        rows.append(
            OpinionRow(
                request_id=request_id,
                email=str(detail.get("email", "")),
                requested_at=str(entry.get("at", "")),
                requested_by=str(entry.get("actor", "")),
                note=str(detail.get("note", "")),
                attachments=tuple(str(name) for name in detail.get("attachments", [])),
                state=state,
                closed_at=str(outcome.get("at", "")) if outcome else "",
                reason=str(outcome.get("detail", {}).get("reason", "")) if outcome else "",
            )
        )
    return sorted(rows, key=lambda row: row.requested_at, reverse=True)
