"""The ticket list's cursor: opaque to clients, read back exactly, refused when forged."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contracts.tickets import TicketQuery, page_cursor, read_cursor


def test_a_cursor_reads_back_the_position_it_was_made_from() -> None:
    cursor = page_cursor("2026-03-10T12:00:00.000000Z", "6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f")
    assert read_cursor(cursor) == (
        "2026-03-10T12:00:00.000000Z",
        "6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
    )
    assert TicketQuery(cursor=cursor).cursor == cursor
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor  # safe in a URL


@pytest.mark.parametrize("forged", ["", "not a cursor", "bm8tc2VwYXJhdG9y", "fGlk", "%%%"])
def test_a_query_refuses_a_cursor_it_did_not_give_out(forged: str) -> None:
    with pytest.raises(ValidationError):
        TicketQuery(cursor=forged)
