"""The desk's list as each ticket's stored row (``TicketStore.ticket_rows``) on SQLite: the
page read with only the columns the rows, their clocks and the cursor need."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic_core import from_json

from contracts.tickets import COUNT_LIMIT, TicketQuery
from servicekit.bounded import BoundedDict
from ticketing.domain.access import Visibility
from ticketing.store import page_json
from ticketing.store.codec import doc_from_row
from ticketing.store.port import Listing, RowClocks
from ticketing.store.sqlite.reads import page

_ROW = "CASE WHEN sla_listed IS NULL THEN CAST(list_row AS BLOB) ELSE list_row END"
LISTED = (
    "id, priority, level, updated_at, opened_at, sla_due_at, sla_next_at,"
    f" {_ROW} AS list_row, sla_listed"
)
"""The columns ``ticket_rows`` reads of a page's rows: the stored row, what
``PageClocks.splice_rows`` and a ticket without a policy read, and the cursor's position
(``paging.next_cursor``, ``reads._by_due``). Every column (``SELECT *``, its ``extra`` and
``tags`` most of the text) took 2.4 times as long to fetch; a row whose clocks are worked
out from its document reads it whole, then (``_Whole``). The stored row of a ticket with
no reading to splice comes as its UTF-8 bytes, what the list sends when it has no clocks:
not decoded into a string to be encoded again (a third of the fetch on the bench's rows)."""

REVISED = "id, priority, level, updated_at, opened_at, sla_due_at, sla_next_at, listed_rev"
"""``LISTED`` for a page with clocks: the revision of each row's texts in their place
(``schema.LISTED_REVISION``), the texts read only for the rows whose revision is not the
one kept in ``TEXTS`` (``_texts``). Fetching both texts of every row (~1 KB) was most of
what a page with clocks cost more than one without."""

TEXTS_AT_MOST = 2_000
TEXTS: BoundedDict[str, tuple[int, str | bytes | None, str | None]] = BoundedDict(TEXTS_AT_MOST)
"""Each ticket's stored row and SLA reading as last read for a clocked page, with the
revision they were read at, by ticket id; emptied when a page's would take it past
``TEXTS_AT_MOST``. The same text objects every time, so the readings taken apart from them
(``sla_policies.PREPARED``) are recognised by identity rather than compared character by
character."""


def ticket_rows(
    connection: sqlite3.Connection,
    query: TicketQuery,
    visible: Visibility | None,
    priorities: Sequence[str] = (),
    clocks: RowClocks | None = None,
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
    clocks: RowClocks | None,
) -> Listing[bytes]:
    columns = LISTED if clocks is None else REVISED
    rows, total, next_cursor = page(connection, query, visible, priorities, columns)
    items: list[bytes] = []
    if rows:
        # By position: ``sqlite3.Row`` finds a name by comparing it with every column's,
        # ~0.7 µs a look-up, as much as the rest of a row's clocks.
        at = {name: i for i, name in enumerate(rows[0].keys())}
        id_at, level_at, priority_at = at["id"], at["level"], at["priority"]
        spliced: dict[int, bytes] = {}
        texts = None
        if clocks is not None:
            rev_at = at["listed_rev"]
            revisions = tuple([r[rev_at] for r in rows])
            revised: tuple[int, ...] | None = None if None in revisions else revisions
            if revised is not None and (kept := clocks.kept_page(revised)) is not None:
                return Listing(kept, min(total, COUNT_LIMIT), total <= COUNT_LIMIT, next_cursor)
            texts = _texts(connection, rows, id_at, rev_at)
            next_at = at["sla_next_at"]
            places, written = clocks.splice_rows(
                [
                    (r[id_at], t[0], r[level_at], r[priority_at], r[next_at], t[1])
                    for r, t in zip(rows, texts, strict=True)
                ],
                (0, 1, 2, 3, 4, 5),
                revised,
            )
            if len(places) == len(rows):
                return Listing(written, min(total, COUNT_LIMIT), total <= COUNT_LIMIT, next_cursor)
            spliced = dict(zip(places, written, strict=True))
        # A row without clocks (its level has no policy) is its stored row as it is.
        row_at = at.get("list_row")
        whole = _Whole(connection, [r[id_at] for i, r in enumerate(rows) if i not in spliced])
        for i, r in enumerate(rows):
            done = spliced.get(i)
            if done is None:
                stored = texts[i][0] if texts is not None else r[row_at]
                if stored is not None and (
                    clocks is None or clocks.without_clocks(r[level_at], r[priority_at])
                ):
                    done = stored if isinstance(stored, bytes) else stored.encode()
                else:
                    if isinstance(stored, bytes):
                        stored = stored.decode()
                    doc = _RowDoc(r, r[id_at], whole)
                    done = page_json.listed(stored, doc, doc.whole, clocks)
            items.append(done)
    return Listing(items, min(total, COUNT_LIMIT), total <= COUNT_LIMIT, next_cursor)


def _texts(
    connection: sqlite3.Connection, rows: list[sqlite3.Row], id_at: int, rev_at: int
) -> list[tuple[str | bytes | None, str | None]]:
    """Each ``REVISED`` row's stored row and SLA reading (as ``LISTED`` reads them): from
    ``TEXTS`` where its revision is the one kept there, the others read in one statement in
    the page's read transaction, so at the revision the page read."""
    kept = TEXTS
    found = [kept.get(r[id_at]) for r in rows]
    missing = [r[id_at] for r, k in zip(rows, found, strict=True) if k is None or k[0] != r[rev_at]]
    if missing:
        marks = ", ".join("?" for _ in missing)
        fresh = {
            ticket: (revision, stored, listed)
            for ticket, revision, stored, listed in connection.execute(
                f"SELECT id, listed_rev, {_ROW}, sla_listed FROM tickets WHERE id IN ({marks})",
                missing,
            )
        }
        # A row without a revision (none should be: ``upgrade`` gives every row one) is
        # read every time.
        kept.put_all({t: f for t, f in fresh.items() if f[0] is not None})
        found = [fresh.get(r[id_at], k) for r, k in zip(rows, found, strict=True)]
    return [(k[1], k[2]) for k in found]  # type: ignore[index]


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
