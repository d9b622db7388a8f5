"""The one retry-on-stale loop every ticket write goes through."""

from __future__ import annotations

import pytest

from ticketing.shared.writes import MAX_CONFLICT_RETRIES, TooMuchContention, retry_on_stale
from ticketing.store.port import StaleTicket, ThreadAlreadyActive


async def test_a_stale_write_is_read_and_tried_again_until_it_goes_through() -> None:
    attempts: list[int] = []

    async def attempt() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise StaleTicket("someone was first")
        return "written"

    assert await retry_on_stale(attempt, what="ticket 1") == "written"
    assert len(attempts) == 3


async def test_a_ticket_that_never_stops_changing_is_a_conflict_to_try_again() -> None:
    attempts: list[int] = []

    async def attempt() -> None:
        attempts.append(1)
        raise StaleTicket("someone was first")

    with pytest.raises(TooMuchContention) as refused:
        await retry_on_stale(attempt, what="ticket 1")
    assert len(attempts) == MAX_CONFLICT_RETRIES
    assert refused.value.status == 409
    assert "ticket 1 kept changing" in refused.value.detail


async def test_only_the_named_conflicts_are_retried() -> None:
    attempts: list[int] = []

    async def attempt() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ThreadAlreadyActive("another replica opened it")
        raise ValueError("a refusal, not a race")

    with pytest.raises(ValueError):
        await retry_on_stale(attempt, what="conversation x", also=(ThreadAlreadyActive,))
    assert len(attempts) == 2
