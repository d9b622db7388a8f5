"""The desk's list as JSON bytes made of the rows each ticket stores ready to send
(``codec.list_row``), with only the clocks written per page (issue 8 part 6).

The slow path validated every row into a ``TicketRead`` and serialised it again on every
page, and the clocks with it. Here a row is its stored text; a ticket with clocks gets
them spliced in place of its ``"sla":null``, serialised from plain values in
``TicketSla``'s shape. The answer is byte for byte what ``TicketPage``'s serialiser writes
(the store tests compare both pages)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any

from pydantic_core import to_json

from ticketing.domain import sla
from ticketing.store.codec import list_row

SLA_NULL = b'"sla":null'
SLA_NULL_TEXT = SLA_NULL.decode()


def listed(
    stored: str | None,
    doc: Mapping[str, Any],
    full_doc: Callable[[], Mapping[str, Any]],
    clocks: Callable[[Mapping[str, Any]], dict[str, Any] | None] | None,
) -> bytes:
    """One ticket of the page: its stored row (or, for a row written before rows were
    kept, the one ``full_doc`` gives), with its clocks from ``doc`` when it has any."""
    row = (stored or list_row(full_doc())).encode()
    shown = clocks(doc) if clocks is not None else None
    if shown is None:
        return row
    # The last one: every field after ``sla`` (kind, scope, direction) is a fixed word, so
    # no user text (a custom field named "sla", say) can come after it.
    at = row.rfind(SLA_NULL)
    return row[:at] + b'"sla":' + sla_json(shown) + row[at + len(SLA_NULL) :]


def with_clocks(rows: list[tuple[str, list[Any]]]) -> list[bytes]:
    """Stored rows with their clocks (``PageClocks.spliced``: JSON split at its holes, each
    hole the time left) in place of their ``"sla":null`` (the last one, as in ``listed``).
    The page's times left are written in one ``to_json`` call, as pydantic writes a float
    (``repr`` writes ``1e-05`` where pydantic writes ``0.00001``, and takes thrice as long
    as a call per number)."""
    numbers = to_json([v for _, parts in rows for v in parts[1::2]]).decode()[1:-1].split(",")
    out, n, end = [], 0, len(SLA_NULL_TEXT)
    for stored, parts in rows:
        holes = len(parts) // 2
        parts[1::2] = numbers[n : n + holes]
        n += holes
        at = stored.rfind(SLA_NULL_TEXT)
        # One join: each row's text is copied once, not once per concatenation.
        out.append("".join([stored[:at], '"sla":', *parts, stored[at + end :]]).encode())
    return out


Prepared = tuple[
    str, str, str, str, str | None, str, list[float], list[bytes | None], list[tuple[Any, ...]]
]
"""A stored row and its stored reading (``Track.listed``) taken apart (``prepared``): both
texts (what it was made from), the reading's key, read time, next reading (None for none)
and the time it holds until (its next reading, or for ever), the ordinal of each hole, the
row's bytes with the clocks in place of its ``"sla":null`` split at the holes (None where a
time left goes), and a slot where the reader notes which policies it checked the key
against (``PageClocks.splice_rows``)."""

_FOREVER = "~"
"""After every fixed-width time text."""


def prepared(listed: str, stored: str) -> Prepared:
    """``listed`` and ``stored`` taken apart once for every page that lists them."""
    parts = listed.split(HOLE)
    # The last ``"sla":null``, as in ``listed``.
    at = stored.rfind(SLA_NULL_TEXT)
    texts = parts[3::2]
    texts[0] = stored[: at + 6] + texts[0]
    texts[-1] += stored[at + len(SLA_NULL_TEXT) :]
    pieces: list[bytes | None] = [None] * (len(parts) - 3)
    pieces[0::2] = map(str.encode, texts)
    read_next = parts[2]
    return (
        listed,
        stored,
        parts[0],
        parts[1],
        read_next or None,
        read_next or _FOREVER,
        list(map(float, parts[4::2])),
        pieces,
        [(None,)],
    )


def filled(readings: Sequence[Prepared], placed: Sequence[float]) -> list[bytes]:
    """``with_clocks`` from prepared readings, each with the position of "now" on its
    calendar: each time left is ``(ordinal - now) / 60`` (what ``PageClocks.spliced`` works
    out), the page's written in one ``to_json`` call."""
    now = placed[0] if placed else 0.0
    if placed.count(now) == len(placed):  # one calendar on the page: one flat pass
        left = [(o - now) / 60 for o in chain.from_iterable(map(itemgetter(6), readings))]
    else:
        left = [(o - now) / 60 for r, now in zip(readings, placed, strict=True) for o in r[6]]
    return written(readings, left)


def written(readings: Sequence[Prepared], left: list[float]) -> list[bytes]:
    """``filled`` with each time left worked out already (``left``, in the readings' order)."""
    number = iter(to_json(left)[1:-1].split(b",") if left else ()).__next__
    out: list[bytes] = []
    for r in readings:
        pieces = r[7]
        size = len(pieces)
        # Most rows have one or two running clocks: written out, not sliced.
        if size == 3:
            out.append(b"".join((pieces[0], number(), pieces[2])))  # type: ignore[arg-type]
        elif size == 5:
            a, _, b, _, c = pieces
            out.append(b"".join((a, number(), b, number(), c)))  # type: ignore[arg-type]
        elif size == 1:
            out.append(pieces[0])  # type: ignore[arg-type]  # no clock running: the row itself
        else:
            row = pieces.copy()
            row[1::2] = [number() for _ in range(size // 2)]
            out.append(b"".join(row))  # type: ignore[arg-type]  # every hole filled
    return out


HOLE = "|"
"""Marks, in a stored reading, where a running clock's time left goes: the ordinal of its
due time stands between two of them. The clocks' JSON holds numbers, times and fixed words
only, never this character."""


def reading_template(shown: Mapping[str, Any], ordinals: Mapping[str, float]) -> str:
    """The clocks' JSON (``sla_json``) with the time left of each clock in ``ordinals``
    replaced by ``|ordinal|``: what ``PageClocks.spliced`` completes at a page's "now"."""
    marked = {name: clock for name, clock in shown.items() if name not in ordinals}
    for name in ordinals:
        marked[name] = {**shown[name], "business_minutes_left": 0.0}
    out = to_json(_plain(marked)).decode()
    pieces = out.split('"business_minutes_left":')
    # Each clock's fields come in ``TARGETS`` order: its time left follows its name.
    text, written = pieces[0], [n for n in sla.TARGETS if shown.get(n) is not None]
    for name, piece in zip(written, pieces[1:], strict=True):
        if name in ordinals:
            assert piece.startswith("0.0,")
            piece = f"{HOLE}{ordinals[name]!r}{HOLE}" + piece[len("0.0") :]
        text += '"business_minutes_left":' + piece
    return text


def sla_json(shown: Mapping[str, Any]) -> bytes:
    """Clocks in ``TicketSla``'s shape (``sla_policies.sla_doc``'s, times as ISO text) as
    the model writes them: its fields in its order, absent clocks null, times as datetimes
    so they are written as pydantic writes an ``AwareDatetime`` (``Z`` for UTC)."""
    return to_json(_plain(shown))


def _plain(shown: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"band": shown.get("band")}
    for name in sla.TARGETS:
        clock = shown.get(name)
        out[name] = None if clock is None else _clock(clock)
    return out


def _clock(clock: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "target_minutes": float(clock["target_minutes"]),
        "due": _moment(clock.get("due")),
        "business_minutes_left": float(clock["business_minutes_left"]),
        "band": clock["band"],
        "paused": bool(clock["paused"]),
        "met_at": _moment(clock.get("met_at")),
        "breached_at": _moment(clock.get("breached_at")),
    }


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def page_json(
    items: Sequence[bytes],
    *,
    total: int,
    total_exact: bool,
    page: int,
    page_size: int,
    next_cursor: str | None,
) -> bytes:
    """``TicketPage``'s JSON around rows already written."""
    rest = to_json(
        {
            "total": total,
            "total_exact": total_exact,
            "page": page,
            "page_size": page_size,
            "next_cursor": next_cursor,
        }
    )
    return b'{"items":[' + b",".join(items) + b"]," + rest[1:]
