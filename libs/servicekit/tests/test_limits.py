"""The consumers' in-flight limiter: never more holders than slots, first come first served,
and a cancelled waiter neither keeps nor loses a slot."""

from __future__ import annotations

import asyncio

import pytest

from servicekit.limits import Limiter


async def test_never_more_holders_than_slots_and_waiters_served_in_order() -> None:
    limiter = Limiter(3)
    holding, most, order = 0, 0, []

    async def work(n: int) -> None:
        nonlocal holding, most
        async with limiter:
            order.append(n)
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0)
            holding -= 1

    await asyncio.wait_for(asyncio.gather(*(work(n) for n in range(50))), 5)
    assert most == 3
    assert order == list(range(50))
    assert (limiter.free, limiter.waiting) == (3, 0)


async def test_a_cancelled_waiter_gives_its_place_up() -> None:
    limiter = Limiter(1)
    await limiter.acquire()
    waiting = asyncio.ensure_future(limiter.acquire())
    after = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    limiter.release()
    await asyncio.wait_for(after, 5)  # the slot went past the cancelled waiter
    limiter.release()
    assert (limiter.free, limiter.waiting) == (1, 0)


async def test_a_waiter_cancelled_after_being_handed_a_slot_passes_it_on() -> None:
    limiter = Limiter(1)
    await limiter.acquire()
    first = asyncio.ensure_future(limiter.acquire())
    second = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0)
    limiter.release()  # handed to ``first``, which is cancelled before it resumes
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 5)
    limiter.release()
    assert (limiter.free, limiter.waiting) == (1, 0)
