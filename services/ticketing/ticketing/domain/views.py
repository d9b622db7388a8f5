"""The views every desk has (docs/domain.md F33), and who sees a saved view: its owner, the
agents of the levels it is shared with, and admins."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeVar

from contracts.tickets import TicketFilters
from contracts.views import ViewRead
from ticketing.domain.opinions import WAITING_OPINION
from ticketing.domain.status import Status

BUILTIN = "builtin:"
STILL_WORK = [s.value for s in Status if s not in (Status.RESOLVED, Status.CLOSED)]
"""Open work: every status but resolved and closed."""


def _view(key: str, name: str, **filters: Any) -> ViewRead:
    return ViewRead(
        id=BUILTIN + key, name=name, filters=TicketFilters(**filters), sort="updated", builtin=True
    )


def builtins(*, caller: str, levels: Sequence[str], highest_priority: str) -> list[ViewRead]:
    """All open work, mine, new, urgent (the scale's highest priority), overdue, on hold,
    waiting opinion, and one per level the caller sees. "Overdue" needs the SLA filter
    ``overdue`` (issue 12), and appears once the ticket list has it.

    Made once per agent and levels: validating the ~9 views' filters took ~0.4 ms, on every
    inbox page and views list (bench/console.py, 2026-12-01). The views are frozen models."""
    return list(_builtins(caller, tuple(levels), highest_priority))


@lru_cache(maxsize=1024)
def _builtins(caller: str, levels: tuple[str, ...], highest_priority: str) -> tuple[ViewRead, ...]:
    views = [
        _view("open", "All open work", status=STILL_WORK),
        _view("mine", "Mine", status=STILL_WORK, assignee=[caller]),
        _view("new", "New", status=[Status.NEW.value]),
        _view("urgent", "Urgent", status=STILL_WORK, priority=[highest_priority]),
    ]
    if "overdue" in TicketFilters.model_fields:
        views.append(_view("overdue", "Overdue", status=STILL_WORK, overdue=True))
    views += [
        _view("on_hold", "On hold", status=[Status.ON_HOLD.value]),
        _view("waiting_opinion", "Waiting opinion", status=STILL_WORK, tag=[WAITING_OPINION]),
        *(
            _view(f"level:{level}", f"Level {level}", status=STILL_WORK, level=[level])
            for level in levels
        ),
    ]
    return tuple(views)


def sees(view: ViewRead, *, agent: str | None, levels: Sequence[str]) -> bool:
    """``agent`` None: an admin, who sees every view."""
    return (
        agent is None
        or view.builtin
        or view.owner == agent
        or any(level in levels for level in view.shared_with)
    )


def may_change(view: ViewRead, *, agent: str | None) -> bool:
    return not view.builtin and (agent is None or view.owner == agent)


F = TypeVar("F", bound=TicketFilters)


def with_own_id(filters: F, agent: str) -> F:
    """``assignee: ["mine"]`` (in a saved view, or a list's query) means whoever asks."""
    if "mine" not in filters.assignee:
        return filters
    return filters.model_copy(
        update={"assignee": [agent if a == "mine" else a for a in filters.assignee]}
    )
