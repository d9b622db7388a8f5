"""The desk's list as each ticket's stored row (``TicketStore.ticket_rows``) on SQLite: the
page read with only the columns the rows, their clocks and the cursor need."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic_core import from_json

from contracts.tickets import COUNT_LIMIT, TicketQuery
from ticketing.domain.access import Visibility
from ticketing.store import page_json
from ticketing.store.codec import doc_from_row
from ticketing.store.port import Clocks, Listing
from ticketing.store.sqlite.reads import page

LISTED = (
    "id, priority, level, updated_at, opened_at, sla_due_at, sla_next_at,"
    " CASE WHEN sla_listed IS NULL THEN CAST(list_row AS BLOB) ELSE list_row END AS list_row,"
    " sla_listed"
)
"""The columns ``ticket_rows`` reads of a page's rows: the stored row, what
``PageClocks.splice_rows`` and a ticket without a policy read, and the cursor's position
(``paging.next_cursor``, ``reads._by_due``). Every column (``SELECT *``, its ``extra`` and
``tags`` most of the text) took 2.4 times as long to fetch; a row whose clocks are worked
out from its document reads it whole, then (``_Whole``). The stored row of a ticket with
no reading to splice comes as its UTF-8 bytes, what the list sends when it has no clocks:
not decoded into a string to be encoded again (a third of the fetch on the bench's rows)."""


def ticket_rows(
    connection: sqlite3.Connection,
    query: TicketQuery,
    visible: Visibility | None,
    priorities: Sequence[str] = (),
    clocks: Clocks | None = None,
) -> Listing[bytes]:
    """``ticket_page`` as each ticket's stored row, its clocks spliced in (``page_json``):
    from the scan's reading ready to splice where it holds (``PageClocks.splice_rows``); no
    row's JSON is parsed unless it has clocks to work out otherwise (its ``extra``), or no
    row stored yet. Only the ``LISTED`` columns are read, the rest of a row when needed, in
    the same read transaction (another process's write cannot land between the two)."""
    connection.execute("BEGIN")
    try:
        return _rows(connection, query, visible, priorities, clocks)
    finally:
        connection.execute("COMMIT")


def _rows(
    connection: sqlite3.Connection,
    query: TicketQuery,
    visible: Visibility | None,
    priorities: Sequence[str],
    clocks: Clocks | None,
) -> Listing[bytes]:
    rows, total, next_cursor = page(connection, query, visible, priorities, LISTED)
    splice_rows = getattr(clocks, "splice_rows", None)
    items: list[bytes] = []
    if rows:
        # By position: ``sqlite3.Row`` finds a name by comparing it with every column's,
        # ~0.7 µs a look-up, as much as the rest of a row's clocks.
        at = {name: i for i, name in enumerate(rows[0].keys())}
        id_at, row_at = at["id"], at["list_row"]
        spliced: dict[int, bytes] = {}
        if splice_rows is not None:
            places, written = splice_rows(
                rows,
                (
                    id_at,
                    row_at,
                    at["level"],
                    at["priority"],
                    at["sla_next_at"],
                    at["sla_listed"],
                ),
            )
            if len(places) == len(rows):
                return Listing(written, min(total, COUNT_LIMIT), total <= COUNT_LIMIT, next_cursor)
            spliced = dict(zip(places, written, strict=True))
        # A row without clocks (its level has no policy) is its stored row as it is.
        plain = getattr(clocks, "without_clocks", None)
        level_at, priority_at = at["level"], at["priority"]
        whole = _Whole(connection, [r[id_at] for i, r in enumerate(rows) if i not in spliced])
        for i, r in enumerate(rows):
            done = spliced.get(i)
            if done is None:
                stored = r[row_at]
                if stored is not None and (
                    clocks is None or (plain is not None and plain(r[level_at], r[priority_at]))
                ):
                    done = stored if isinstance(stored, bytes) else stored.encode()
                else:
                    if isinstance(stored, bytes):
                        stored = stored.decode()
                    doc = _RowDoc(r, r[id_at], whole)
                    done = page_json.listed(stored, doc, doc.whole, clocks)
            items.append(done)
    return Listing(items, min(total, COUNT_LIMIT), total <= COUNT_LIMIT, next_cursor)


class _Whole:
    """Every column of the page's rows not spliced, read in one statement the first time
    one of them is asked for (a ticket whose clocks are worked out from its document, or
    stored before its list row was kept), by id."""

    def __init__(self, connection: sqlite3.Connection, ids: list[str]) -> None:
        self._connection = connection
        self._ids = ids
        self._rows: dict[str, sqlite3.Row] | None = None

    def __getitem__(self, ticket_id: str) -> sqlite3.Row:
        if self._rows is None:
            marks = ", ".join("?" for _ in self._ids)
            found = self._connection.execute(
                f"SELECT * FROM tickets WHERE id IN ({marks})", self._ids
            ).fetchall()
            self._rows = {r["id"]: r for r in found}
        return self._rows[ticket_id]


class _RowDoc(Mapping[str, Any]):
    """A row read as its document (``codec.doc_from_row``'s shape) for the clocks, which
    read a few columns and, only for a ticket with a policy, ``extra``: the whole row read
    then (``_Whole``), its ``extra`` parsed once."""

    def __init__(self, row: sqlite3.Row, ticket_id: str, whole: _Whole) -> None:
        self._row = row
        self._id = ticket_id
        self._whole = whole
        self._extra: Any = None

    def whole(self) -> dict[str, Any]:
        """The ticket's document from every column (``codec.doc_from_row``)."""
        return doc_from_row(self._whole[self._id])

    def __getitem__(self, key: str) -> Any:
        if key == "extra":
            if self._extra is None:
                self._extra = from_json(self._whole[self._id]["extra"])
            return self._extra
        if key == "tags":
            return from_json(self._whole[self._id]["tags"])
        try:
            return self._row[key]
        except IndexError:  # sqlite3.Row's answer to a name it lacks
            pass
        try:
            return self._whole[self._id][key]
        except IndexError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole[self._id].keys())

    def __len__(self) -> int:
        return len(self._whole[self._id].keys())
