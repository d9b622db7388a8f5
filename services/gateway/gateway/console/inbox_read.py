"""The inbox page's answer from ticketing (``console.inbox_page``), read from its JSON into
only what the page draws.

The answer is ~37 KB for 50 tickets, and reading all of it into Python (``json.loads``,
every ticket's 27 fields) was the biggest single part of the gateway's work for the page:
14 % of its samples under bench/console.py, py-spy on the running gateway, 2026-12-01. The
rows use 9 of those fields; the rest are skipped while the JSON is read, which takes a
third of the time (0.87 → 0.27 ms in one process, under the same load). The session and
the views are read straight into their contract models, as the page used them."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from contracts.credentials import SessionRead
from contracts.views import ViewRead


class Row(TypedDict):
    """A ticket as its row shows it (``inbox_rows.table_rows``)."""

    protocol: str
    title: str
    status: str
    priority: str
    level: str | None
    assignee: str | None
    channel: str
    updated_at: str
    sla: dict[str, Any] | None


class Listing(TypedDict):
    items: list[Row]
    total: int
    total_exact: bool
    next_cursor: str | None


class InboxRead(TypedDict):
    """``InboxPageRead`` as the page reads it; the agents stay JSON objects (the forms'
    parts read their id, name and whether they are active)."""

    session: SessionRead
    views: list[ViewRead]
    listing: Listing
    agents: list[dict[str, Any]]
    priorities: list[str]
    levels: list[str]


_INBOX = TypeAdapter(InboxRead)


def inbox_read(body: bytes) -> InboxRead:
    """The answer's JSON, read; a reply that is not an ``InboxPageRead`` raises pydantic's
    ValidationError."""
    return _INBOX.validate_json(body)
