"""Ticket rows as this process last read them, so the write that follows a read does not
read the row again.

A ticket write sets only the columns that changed (``writes.replace``), which needs the
stored row. When the caller read the ticket through this store at the version it now
expects, that row is the stored one: every write of a ticket raises its version, so a row
still at that version has not changed since. The write then compares with the row kept here
and guards its UPDATE with the version instead of reading the row first (``writes``)."""

from __future__ import annotations

import sqlite3
import threading

from servicekit.bounded import BoundedDict
from ticketing.store.sqlite.schema import TICKET_COLUMNS

KEPT = 2_000
"""Tickets kept at most (a few MB): a write follows its read within one message's handling,
so the last few hundred are what is taken; full, the whole lot is dropped."""

_VERSION = TICKET_COLUMNS.index("version")
_IN_ORDER = tuple(range(len(TICKET_COLUMNS)))


class ReadRows:
    def __init__(self) -> None:
        self._rows: BoundedDict[str, tuple[object, ...]] = BoundedDict(KEPT)
        self._lock = threading.Lock()
        self._positions: tuple[int, ...] | None = None
        """Where TICKET_COLUMNS are in a row of ``SELECT *``: the table's order, in which
        columns an upgrade added come last. Found once (an upgrade only appends); a row is
        then copied by position (looking 27 columns up by name cost most of a SELECT)."""

    def keep(self, row: sqlite3.Row | None) -> sqlite3.Row | None:
        """Keep a row of ``SELECT * FROM tickets``, in TICKET_COLUMNS' order."""
        if row is not None:
            if self._positions is None:
                self._positions = tuple(row.keys().index(c) for c in TICKET_COLUMNS)
            values = tuple(row)
            if self._positions != _IN_ORDER or len(values) != len(_IN_ORDER):
                values = tuple(values[i] for i in self._positions)
            with self._lock:
                self._rows.put(str(values[0]), values)
        return row

    def take(self, ticket_id: str, version: int) -> tuple[object, ...] | None:
        """The row kept for the ticket if it was read at ``version``; forgotten either way
        (the write that takes it changes the version)."""
        with self._lock:
            row = self._rows.pop(ticket_id, None)
        return row if row is not None and row[_VERSION] == version else None
