"""CPU per interaction of ticketing's triage, in one process: the use case on a real SQLite
store, with no broker (a publisher that confirms at once), so the figure is what ticketing's
own code and its database cost, free of AMQP and of the other services.

Run from the workspace root:
``.venv/bin/python bench/triage_cost.py [--n 4000] [--threads-per 10] [--concurrency 50]
[--sql] [--profile FILE]``. The interactions are the pipeline bench's shape (threads of
``--threads-per``, the first opens a ticket, the rest follow over a minute, sorted by time);
``--concurrency`` is how many are handled at once (the consumer's prefetch in a flood; 1 is
the open loop's one at a time). It prints the process's CPU per interaction, each thread's
share of the wall time (the event loop's and the SQLite thread's), and with ``--sql`` the
SQLite thread's CPU per statement (per interaction); ``--profile FILE`` writes cProfiles of
the event loop's thread (FILE) and of the SQLite thread (FILE.db).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.events import InteractionTriagedV1
from contracts.interaction import Interaction
from contracts.rules import OpenTicket, RuleMatch, TriageDecision
from servicekit.keyed_locks import KeyedLocks
from ticketing.domain.priority import PriorityScale
from ticketing.shared import report_facts
from ticketing.store.sqlite import SqliteTicketStore
from ticketing.usecases import triage

WARM_UP = 200

SPENT: collections.Counter[str] = collections.Counter()
CALLS: collections.Counter[str] = collections.Counter()


class TimedConnection(sqlite3.Connection):
    """CPU of the calling thread per statement (``--sql``)."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        began = time.thread_time()
        try:
            return super().execute(sql, *args)
        finally:
            _count(sql, began)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        began = time.thread_time()
        try:
            return super().executemany(sql, *args)
        finally:
            _count("(many) " + sql, began)

    def commit(self) -> None:
        began = time.thread_time()
        try:
            super().commit()
        finally:
            _count("COMMIT", began)


def _count(sql: str, began: float) -> None:
    key = " ".join(sql.split())[:100]
    SPENT[key] += time.thread_time() - began
    CALLS[key] += 1


class ConfirmingPublisher:
    """Every publish confirmed at once: the bench measures ticketing, not the broker."""

    def __init__(self) -> None:
        self.published = 0

    async def publish_message(self, message: object) -> None:
        self.published += 1

    async def publish(self, event: object) -> None:
        self.published += 1

    async def publish_all(self, messages: Any) -> None:
        self.published += len(list(messages))


def workload(n: int, threads_per: int, seed: int = 7) -> list[InteractionTriagedV1]:
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    rule = RuleMatch(rule_id=uuid.uuid4(), rule_name="bench", reasons=[])
    timed: list[tuple[float, InteractionTriagedV1]] = []
    for thread in range(n // threads_per):
        for position in range(threads_per):
            at = thread * 0.5 + (rng.uniform(1, 60) if position else 0.0)
            interaction = Interaction.model_validate(
                {
                    "channel": "facebook",
                    "account": "brand",
                    "external_id": f"{run}-{thread}-{position}",
                    "thread_id": f"{run}-post-{thread}",
                    "kind": "comment",
                    "author": {"id": f"fb-{rng.randrange(10**6)}", "name": "Maria Silva"},
                    "text": f"meu pedido {rng.randrange(10**8)} ainda não chegou, quero resposta",
                    "language": "pt",
                    "occurred_at": (base + timedelta(seconds=at)).isoformat(),
                    "raw": {"id": f"{run}-{thread}-{position}"},
                }
            )
            decision = TriageDecision(matched=[rule], open_ticket=OpenTicket())
            timed.append((at, InteractionTriagedV1(interaction=interaction, decision=decision)))
    timed.sort(key=lambda pair: pair[0])
    return [event for _, event in timed]


def thread_seconds() -> dict[str, float]:
    """CPU seconds so far of each thread of this process (/proc)."""
    spent = {}
    for task in Path("/proc/self/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        spent[task.name] = (int(fields[11]) + int(fields[12])) / 100
    return spent


async def run(args: argparse.Namespace) -> None:
    events = workload(args.n, args.threads_per)
    with tempfile.TemporaryDirectory() as directory:
        store = SqliteTicketStore(Path(directory) / "bench.db", facts_of=report_facts.facts_of)
        await store.open()
        publisher = ConfirmingPublisher()
        locks, scale = KeyedLocks(), PriorityScale()
        gate = asyncio.Semaphore(args.concurrency)

        async def handle(event: InteractionTriagedV1) -> None:
            async with gate:
                await triage.handle_triaged(
                    store=store,
                    publisher=publisher,  # type: ignore[arg-type]
                    scale=scale,
                    locks=locks,
                    event=event,
                )

        await asyncio.gather(*(handle(e) for e in events[:WARM_UP]))
        measured = events[WARM_UP:]
        SPENT.clear()
        CALLS.clear()
        loop_profile = cProfile.Profile() if args.profile else None
        db_profile = cProfile.Profile() if args.profile else None
        executor = store._db._executor  # the SQLite thread: its profile is enabled on it
        if db_profile is not None:
            executor.submit(db_profile.enable).result()
        threads_before = thread_seconds()
        cpu_before, wall_before = time.process_time(), time.monotonic()
        if loop_profile is not None:
            loop_profile.enable()
        await asyncio.gather(*(handle(e) for e in measured))
        if loop_profile is not None and db_profile is not None:
            loop_profile.disable()
            executor.submit(db_profile.disable).result()
            loop_profile.dump_stats(args.profile)
            db_profile.dump_stats(f"{args.profile}.db")
        cpu = time.process_time() - cpu_before
        wall = time.monotonic() - wall_before
        threads_after = thread_seconds()
        await store.close()
    n = len(measured)
    busy = sorted(
        (
            100 * (spent - threads_before.get(tid, 0.0)) / wall
            for tid, spent in threads_after.items()
        ),
        reverse=True,
    )
    print(
        f"{n:,} interactions, {args.concurrency} at a time: CPU {1e6 * cpu / n:,.0f} µs and wall"
        f" {1e6 * wall / n:,.0f} µs per interaction; busiest threads"
        f" {', '.join(f'{b:.0f} %' for b in busy[:3])} of the wall time"
    )
    if args.sql:
        print("SQLite thread, µs of CPU and calls per interaction, by statement:")
        for statement, spent in SPENT.most_common(args.sql_top):
            print(f"  {1e6 * spent / n:7.1f} µs {CALLS[statement] / n:5.2f}x  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--threads-per", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--sql", action="store_true", help="CPU per SQL statement")
    parser.add_argument("--sql-top", type=int, default=30)
    parser.add_argument("--profile", help="cProfile output file (and FILE.db)")
    args = parser.parse_args()
    if args.sql:
        connect = sqlite3.connect
        sqlite3.connect = lambda *a, **k: connect(*a, **{**k, "factory": TimedConnection})  # type: ignore[assignment]
    asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
