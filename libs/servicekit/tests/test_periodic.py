"""The one "every N seconds" helper the services' background work runs on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from servicekit.periodic import Periodic


def _counter(
    enough: int, *, fail_first: bool = False
) -> tuple[list[int], asyncio.Event, Callable[[], Awaitable[None]]]:
    runs: list[int] = []
    reached = asyncio.Event()

    async def work() -> None:
        runs.append(1)
        if len(runs) >= enough:
            reached.set()
        if fail_first and len(runs) == 1:
            raise RuntimeError("store away")

    return runs, reached, work


async def test_work_runs_again_and_again_until_stopped() -> None:
    runs, reached, work = _counter(3)
    periodic = Periodic("counting", 0.01, work)
    periodic.start()
    async with asyncio.timeout(5):
        await reached.wait()
    await periodic.stop()
    assert not periodic.running
    assert len(runs) >= 3


async def test_a_failing_run_is_logged_and_the_next_tick_runs_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, reached, work = _counter(2, fail_first=True)
    periodic = Periodic("flaky sweep", 0.01, work)
    periodic.start()
    async with asyncio.timeout(5):
        await reached.wait()
    await periodic.stop()
    assert "flaky sweep failed" in caplog.text


async def test_without_first_now_the_first_run_waits_one_interval() -> None:
    runs, _, work = _counter(1)
    periodic = Periodic("later", 60, work, first_now=False)
    periodic.start()
    await asyncio.sleep(0)
    await periodic.stop()
    assert runs == []


def test_an_interval_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        Periodic("never", 0, lambda: asyncio.sleep(0))
