"""Coalesced per-key runs: requests waiting behind a run share the next one, every request
is covered by a run that started after it, and a failed run covers nobody."""

from __future__ import annotations

import asyncio

from servicekit.coalescing import Coalescing


async def test_requests_waiting_behind_a_run_share_the_next_one() -> None:
    coalescing = Coalescing()
    state = {"value": 0}
    seen: list[int] = []
    release = asyncio.Event()

    async def project() -> None:
        seen.append(state["value"])
        await release.wait()

    first = asyncio.ensure_future(coalescing.run("t1", project))
    await asyncio.sleep(0)  # the first run is under way and read value 0
    state["value"] = 5  # the state moves on; five more requests arrive about it
    later = [asyncio.ensure_future(coalescing.run("t1", project)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    ran = await asyncio.wait_for(asyncio.gather(first, *later), 5)
    # One run for the first request, one shared by the five: it read the newest state.
    assert seen == [0, 5]
    assert sum(ran) == 2
    assert len(coalescing) == 0


async def test_other_keys_do_not_wait_or_share() -> None:
    coalescing = Coalescing()
    ran: list[str] = []

    async def job(key: str) -> None:
        ran.append(key)
        await asyncio.sleep(0)

    await asyncio.wait_for(
        asyncio.gather(*(coalescing.run(k, lambda k=k: job(k)) for k in ("a", "b", "c"))), 5
    )
    assert sorted(ran) == ["a", "b", "c"]


async def test_a_failed_run_covers_nobody() -> None:
    coalescing = Coalescing()
    calls = 0
    release = asyncio.Event()

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        await release.wait()
        if calls == 2:
            raise RuntimeError("store away")

    first = asyncio.ensure_future(coalescing.run("t", flaky))
    await asyncio.sleep(0)
    waiting = [asyncio.ensure_future(coalescing.run("t", flaky)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.wait_for(asyncio.gather(first, *waiting, return_exceptions=True), 5)
    # The second run failed for the request that ran it; the two it would have covered ran
    # a third run of their own, which succeeded.
    assert outcomes[0] is True
    assert sum(isinstance(o, RuntimeError) for o in outcomes) == 1
    assert calls == 3
    assert len(coalescing) == 0
