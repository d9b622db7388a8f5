"""What ticketing's store spends on the pipeline's writes: a ticket opened, and a follow-up
put on it, through the store port the way triage calls it, on a SQLite desk of many tickets.

Run from the workspace root: ``.venv/bin/python bench/ticket_writes.py [--tickets 20000]
[--threads 300] [--rounds 3]``. The desk is seeded straight through the adapter's write
functions (one interaction per ticket, a thousand tickets per transaction). Each round opens
``--threads`` new conversations and then puts nine follow-ups on each (the make bench-pipe
mix: 10 % openings, 90 % follow-ups). As triage does, each interaction costs its two reads (is
it known, the conversation's active ticket) in one trip, then one write that stores it and
places it on its ticket (``Recording``); every ticket write is followed by its report
projection, as the consumer of ticket events does. Per step: CPU time of the whole process
(the event loop and the SQLite thread) around each store call, in µs per call. CPU rather
than wall-clock because the machine is shared.

To compare with other code in one sitting, run it with ``PYTHONPATH`` on an export of that
code's ``libs/*`` and ``services/ticketing`` (the workspace installs are editable, and
``PYTHONPATH`` comes first).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from contracts.interaction import Author, Channel, Direction, Interaction, Kind  # noqa: E402
from contracts.rules import OpenTicket, TriageDecision  # noqa: E402
from contracts.tickets import HistoryEntry, StoredInteraction  # noqa: E402
from ticketing.domain import tickets  # noqa: E402
from ticketing.domain.priority import PriorityScale  # noqa: E402
from ticketing.domain.threading import thread_key  # noqa: E402
from ticketing.shared import report_facts  # noqa: E402
from ticketing.store.port import Recording  # noqa: E402
from ticketing.store.sqlite import SqliteTicketStore  # noqa: E402

T = TypeVar("T")
START = datetime(2026, 11, 1, tzinfo=UTC)
SCALE = PriorityScale()
OPENING = TriageDecision(open_ticket=OpenTicket(status="new", priority="medium", team="vendas"))
FOLLOW_UP = TriageDecision()
BATCH = 1_000


def interaction(thread: str, n: int, at: datetime) -> Interaction:
    return Interaction(
        channel=Channel.INSTAGRAM,
        account="acme-page",
        external_id=f"ext-{thread}-{n}",
        thread_id=thread,
        kind=Kind.COMMENT,
        direction=Direction.INBOUND,
        author=Author(id=f"user-{thread}", name="Cliente"),
        text="pedido atrasado, preciso de ajuda com a entrega",
        occurred_at=at,
    )


def stored_of(item: Interaction, at: datetime) -> StoredInteraction:
    return StoredInteraction(id=uuid4(), ticket_id=None, received_at=at, interaction=item)


def key_of(item: Interaction) -> str:
    return thread_key(item)


async def seed(store: SqliteTicketStore, size: int) -> None:
    from ticketing.store.sqlite import interactions, writes

    for begin in range(0, size, BATCH):

        def write(connection: Any, begin: int = begin) -> None:
            for i in range(begin, min(size, begin + BATCH)):
                at = START - timedelta(minutes=size - i)
                item = interaction(f"seed-{i}", 0, at)
                stored = stored_of(item, at)
                interactions.record(connection, stored, key_of(item))
                ticket = tickets.open_ticket(
                    interaction=item, decision=OPENING, scale=SCALE, now=at
                )
                writes.create(
                    connection,
                    ticket,
                    year=2026,
                    interaction_id=stored.id,
                    history=lambda t: [],
                    announce=lambda t: [],
                    assign_among=(),
                    now=0.0,
                )

        await store._db.write(write)


class Clock:
    """CPU time per step, summed over calls: of the whole process around the store call,
    and of the SQLite thread alone in the work it ran for the call (``watch``), which leaves
    out the hop to that thread and back, the same whatever the statements cost."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.step = ""

    def watch(self, store: SqliteTicketStore) -> None:
        database = store._db
        read, write = database.read, database.write

        def timed(work: Callable[[Any], T]) -> Callable[[Any], T]:
            def run(connection: Any) -> T:
                began = time.thread_time()
                try:
                    return work(connection)
                finally:
                    self.spent[f"{self.step} [db]"] += time.thread_time() - began

            return run

        database.read = lambda work: read(timed(work))  # type: ignore[method-assign]
        database.write = lambda work: write(timed(work))  # type: ignore[method-assign]

    async def time(self, step: str, call: Awaitable[T]) -> T:
        self.step = step
        began = time.process_time()
        result = await call
        self.spent[step] += time.process_time() - began
        self.calls[step] += 1
        self.calls[f"{step} [db]"] += 1
        return result

    def per_call(self) -> dict[str, float]:
        return {step: self.spent[step] / self.calls[step] * 1e6 for step in sorted(self.spent)}


async def both_reads(
    store: SqliteTicketStore, item: Interaction
) -> tuple[StoredInteraction | None, tickets.Ticket | None]:
    """Triage's two reads, in one trip to the store as it makes them."""
    return await asyncio.gather(
        store.interaction_by_key(item.key), store.active_ticket(key_of(item))
    )


def entry(ticket_id: Any, action: str, now: datetime) -> list[HistoryEntry]:
    return [HistoryEntry(id=uuid4(), ticket_id=ticket_id, at=now, actor="system", action=action)]


async def one_round(store: SqliteTicketStore, threads: int, round_no: int) -> dict[str, float]:
    clock = Clock()
    clock.watch(store)
    names = [f"r{round_no}-{uuid4().hex[:8]}-{i}" for i in range(threads)]
    now = START + timedelta(days=round_no + 1)
    for name in names:  # openings
        item = interaction(name, 0, now)
        stored = stored_of(item, now)
        await clock.time("open: reads", both_reads(store, item))
        new = tickets.open_ticket(interaction=item, decision=OPENING, scale=SCALE, now=now)
        opened = await clock.time(
            "open: create_ticket",
            store.create_ticket(
                new,
                year=2026,
                interaction_id=stored.id,
                history=lambda t: entry(t.id, "opened", now),
                announce=lambda t: [],
                recording=Recording(stored, key_of(item), OPENING),
            ),
        )
        await clock.time("open: project_report", report_facts.project(store, opened.id))
    for n in range(1, 10):  # follow-ups, conversation after conversation as a flood mixes them
        for name in names:
            at = now + timedelta(seconds=n)
            item = interaction(name, n, at)
            stored = stored_of(item, at)
            known, ticket = await clock.time("follow-up: reads", both_reads(store, item))
            assert known is None and ticket is not None
            outcome = tickets.add_interaction(
                ticket, interaction=item, decision=FOLLOW_UP, now=at, scale=SCALE
            )
            await clock.time(
                "follow-up: update_ticket",
                store.update_ticket(
                    outcome.ticket,
                    expected_version=ticket.version,
                    interaction_id=stored.id,
                    history=entry(ticket.id, "interaction_added", at),
                    events=[],
                    recording=Recording(stored, key_of(item), FOLLOW_UP),
                ),
            )
            await clock.time("follow-up: project_report", report_facts.project(store, ticket.id))
    return clock.per_call()


async def run(size: int, threads: int, rounds: int, folder: Path) -> list[dict[str, float]]:
    store = SqliteTicketStore(folder / "ticketing.db")
    await store.open()
    try:
        began = time.perf_counter()
        await seed(store, size)
        print(f"  seeded {size:,} tickets in {time.perf_counter() - began:.0f} s", flush=True)
        return [await one_round(store, threads, r) for r in range(rounds)]
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rounds = asyncio.run(run(args.tickets, args.threads, args.rounds, Path(folder)))
    print(
        f"µs of CPU per call, median of {args.rounds} rounds (the rounds in brackets);"
        " [db]: the SQLite thread's own CPU in the call's work"
    )
    for step in rounds[0]:
        values = [r[step] for r in rounds]
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(f"  {step:37s} {statistics.median(values):7.0f}  ({shown})")
    for db in (False, True):
        suffix = " [db]" if db else ""
        for kind in ("open", "follow-up"):
            total = [_sum(r, kind, db) for r in rounds]
            print(f"  {kind + ' in all' + suffix:37s} {statistics.median(total):7.0f}")
        mixed = [(_sum(r, "open", db) + 9 * _sum(r, "follow-up", db)) / 10 for r in rounds]
        label = "per interaction (1 open : 9)" + suffix
        print(f"  {label:37s} {statistics.median(mixed):7.0f}")


def _sum(measured: dict[str, float], kind: str, db: bool) -> float:
    return sum(v for s, v in measured.items() if s.startswith(kind) and s.endswith("[db]") == db)


if __name__ == "__main__":
    main()
