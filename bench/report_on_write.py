"""What a ticket write and its report projection cost ticketing's process, one interaction at a
time (a normal day): the projection as a second write transaction after each write, as the
``ticketing.reports`` consumer makes it (``consumer``: main before issue 8 part 8, and still
MongoDB's path), or inside the write's own transaction (``write``: SQLite now, the consumer
then skipping the event in memory). CPU time of the whole process (event loop and SQLite
thread) per interaction, and the write transactions per interaction; no broker, so the
consumer's delivery is not counted (the stack saves that too).

Run from the workspace root: ``.venv/bin/python bench/report_on_write.py consumer write
consumer write`` (modes run in the order given; alternate them, the machine is shared). The
``consumer`` mode runs on main's tree as well, for an old/new comparison of the same mode.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT / "services" / "ticketing" / "tests"))

import test_store_contract as contract  # noqa: E402

from contracts.base import Event  # noqa: E402
from servicekit import sqlite as database  # noqa: E402
from ticketing.shared import report_facts  # noqa: E402
from ticketing.store.sqlite import SqliteTicketStore  # noqa: E402

THREADS, FOLLOW_UPS = int(os.environ.get("BENCH_THREADS", "150")), 4
"""Conversations (``BENCH_THREADS``), each opened then followed up four times."""
TRANSACTIONS = [0]
_flush = database.SqliteDatabase._flush


def _counted(self: database.SqliteDatabase, loop: asyncio.AbstractEventLoop) -> None:
    TRANSACTIONS[0] += 1
    _flush(self, loop)


database.SqliteDatabase._flush = _counted  # type: ignore[method-assign]


async def consume(store: SqliteTicketStore, on_write: bool, events: Sequence[Event]) -> None:
    for event in events:
        skipped = on_write and store.projected_on_write(event.id)
        if not skipped:
            await report_facts.project(store, event.ticket.id)  # type: ignore[attr-defined]


async def run(mode: str, folder: Path) -> tuple[float, float]:
    on_write = mode == "write"
    built: dict[str, Any] = {"facts_of": report_facts.facts_of} if on_write else {}
    store = SqliteTicketStore(folder / "ticketing.db", **built)
    await store.open()
    interactions = 0
    TRANSACTIONS[0] = 0
    began = time.process_time()
    for thread in range(THREADS):
        first = contract.message(f"post-{thread}")
        stored = await contract.record(store, first)
        opening = contract.Opening(first, now=contract.T0)
        ticket = await opening.create(store, interaction_id=stored.id)
        await consume(store, on_write, opening.events)
        interactions += 1
        for minutes in range(1, FOLLOW_UPS + 1):
            follow = await contract.record(
                store, contract.message(f"post-{thread}", minutes=minutes)
            )
            change = contract.follow_up_of(ticket, follow, minutes=minutes)
            ticket = await contract.save(
                store, change, expected_version=ticket.version, interaction_id=follow.id
            )
            await consume(store, on_write, [change.event])
            interactions += 1
    cpu = (time.process_time() - began) / interactions * 1e6
    transactions = TRANSACTIONS[0] / interactions
    await store.close()
    return cpu, transactions


async def main(modes: Sequence[str]) -> None:
    for mode in modes:
        assert mode in ("consumer", "write"), f"unknown mode {mode!r}"
        with tempfile.TemporaryDirectory() as folder:
            cpu, transactions = await run(mode, Path(folder))
        print(
            f"{mode:9} {cpu:6.0f} µs CPU and {transactions:.2f} write transactions per interaction"
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or ["consumer", "write"]))
