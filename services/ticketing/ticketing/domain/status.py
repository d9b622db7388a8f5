"""The ticket status machine (docs/domain.md F3), as one table."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    # Closed is final: new activity in the conversation opens a new ticket instead.
    Status.CLOSED: frozenset(),
}

REOPENED_BY_CUSTOMER = frozenset({Status.PENDING, Status.RESOLVED})
"""A new inbound interaction sets these back to open: the customer answered."""


class TransitionRefused(Exception):
    pass


def check_transition(current: Status, target: Status) -> None:
    if target != current and target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (the ticket is finalised)"
        raise TransitionRefused(
            f"a {current.value} ticket cannot become {target.value}; allowed: {allowed}"
        )


def after_inbound(current: Status) -> Status:
    return Status.OPEN if current in REOPENED_BY_CUSTOMER else current


def is_active(status: Status) -> bool:
    return status is not Status.CLOSED
