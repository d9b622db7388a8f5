"""The reports benchmark: does a report cost no more than 5 pages of the ticket list, however
many tickets the desk has? 200,000 interactions in 50,000 tickets by default.

Run from the workspace root: ``.venv/bin/python bench/reports.py [--tickets 50000]
[--calls 200]`` (or ``make bench-reports``).

The desk is a fresh SQLite file loaded straight through the adapter's write functions (as
``bench/scale.py`` does), a thousand tickets per transaction: four interactions per ticket
(the customer's message, the brand's reply 1 to 600 minutes later, a follow-up and a second
reply), five channels, three accounts, four levels, statuses spread as a busy desk has them,
opened over 120 days. Each ticket's report facts are projected in the same batches, through
the projection's own store function, as the consumer of ticket events would have.

Measured in one run, one call at a time and interleaved, wall-clock per call (p50 and p99):

* report: ``GET /v1/reports/volume?split=channel`` over the last 90 days, daily, in
  America/Sao_Paulo: the use case (counters read, folded into days, the answer model);
* ticket list: ``GET /v1/tickets`` (first page of 50, no search): the use case the desk's
  list runs.

Both as an admin, who sees every ticket (the most a report reads). The HTTP and RPC hops are
left out: they cost the same for both. PASS when the report's p50 and p99 are each at most
5 times the list's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from contracts.interaction import Author, Channel, Direction, Interaction, Kind  # noqa: E402
from contracts.reports import VolumeQuery  # noqa: E402
from contracts.rpc import Caller  # noqa: E402
from contracts.tickets import StoredInteraction, TicketQuery  # noqa: E402
from ticketing.domain import report_facts  # noqa: E402
from ticketing.domain.status import Status  # noqa: E402
from ticketing.domain.tickets import Ticket  # noqa: E402
from ticketing.store.sqlite import SqliteTicketStore  # noqa: E402
from ticketing.store.sqlite import reports as report_store  # noqa: E402
from ticketing.usecases import reads, reports  # noqa: E402

TARGET = 5.0
BATCH = 1_000
DAYS = 120
END = datetime(2026, 11, 30, tzinfo=UTC)
STATUSES = [
    (Status.NEW, 30),
    (Status.OPEN, 25),
    (Status.PENDING, 15),
    (Status.ON_HOLD, 5),
    (Status.RESOLVED, 15),
    (Status.CLOSED, 10),
]
CHANNELS = [Channel.FACEBOOK, Channel.INSTAGRAM, Channel.TWITTER, Channel.YOUTUBE, Channel.EMAIL]
ACCOUNTS = ["acme-page", "acme-store", "acme-support"]
LEVELS = ["N1", "N2", "legal", "vip"]
AGENTS = [None, "ana", "bia", "caio", "duda"]
ADMIN = Caller(id="admin", role="admin")


def pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def conversation(
    rng: random.Random, i: int, channel: Channel, account: str, opened: datetime
) -> list[StoredInteraction]:
    author = Author(id=f"user-{rng.randrange(20_000)}", name="Cliente")
    brand = Author(id=account, name="Acme")
    reply = opened + timedelta(minutes=rng.randint(1, 600))
    moments = [
        (opened, Direction.INBOUND, author),
        (reply, Direction.OUTBOUND, brand),
        (reply + timedelta(minutes=30), Direction.INBOUND, author),
        (reply + timedelta(minutes=90), Direction.OUTBOUND, brand),
    ]
    return [
        StoredInteraction(
            id=uuid4(),
            ticket_id=None,
            received_at=at,
            interaction=Interaction(
                channel=channel,
                account=account,
                external_id=f"ext-{i}-{n}",
                thread_id=f"thread-{i}",
                kind=Kind.EMAIL if channel is Channel.EMAIL else Kind.COMMENT,
                direction=direction,
                author=who,
                text="pedido atrasado, preciso de ajuda com a entrega",
                occurred_at=at,
            ),
        )
        for n, (at, direction, who) in enumerate(moments)
    ]


def desk(rng: random.Random, size: int) -> list[tuple[Ticket, list[StoredInteraction]]]:
    start = END - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / size
    built = []
    for i in range(size):
        channel, account = rng.choice(CHANNELS), rng.choice(ACCOUNTS)
        opened = start + step * i
        ticket = Ticket(
            id=uuid4(),
            title=f"comment from Cliente {i}",
            status=pick(rng, STATUSES),
            priority=rng.choice(["low", "medium", "high", "urgent"]),
            level=rng.choice(LEVELS),
            assignee=rng.choice(AGENTS),
            tags=(),
            channel=channel.value,
            account=account,
            thread_key=f"{channel.value}:{account}:thread-{i}",
            opened_by="rules",
            opened_at=opened,
            updated_at=opened + timedelta(hours=rng.randint(1, 72)),
        )
        built.append((ticket, conversation(rng, i, channel, account, opened)))
    return built


async def seed(store: SqliteTicketStore, size: int, rng: random.Random) -> None:
    """Tickets, interactions and report facts, a thousand tickets per transaction."""
    from ticketing.store.sqlite import interactions, writes

    built = desk(rng, size)
    for begin in range(0, size, BATCH):
        batch = built[begin : begin + BATCH]

        def write(connection: Any, batch: Any = batch) -> None:
            for ticket, stored in batch:
                for s in stored:
                    interactions.record(connection, s, ticket.thread_key)
                created = writes.create(
                    connection,
                    ticket,
                    year=2026,
                    interaction_id=stored[0].id,
                    history=lambda t: [],
                    announce=lambda t: [],
                    assign_among=(),
                    now=0.0,
                )
                facts = report_facts.facts_of(created, stored, [], None)
                report_store.project(connection, created.id, facts, created.version)

        await store._db.write(write)


async def timings(call: Callable[[], Awaitable[Any]]) -> float:
    began = time.perf_counter()
    await call()
    return (time.perf_counter() - began) * 1000


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, round(0.99 * len(ordered)) - 1)]


async def run(tickets: int, calls: int, folder: Path) -> dict[str, tuple[float, float]]:
    store = SqliteTicketStore(folder / "ticketing.db")
    await store.open()
    try:
        began = time.perf_counter()
        await store._db.read(lambda c: c.execute("PRAGMA cache_size = -262144"))
        await seed(store, tickets, random.Random(tickets))
        await store._db.read(lambda c: c.execute("PRAGMA cache_size = -2000"))
        print(
            f"  loaded {tickets:,} tickets and {4 * tickets:,} interactions "
            f"in {time.perf_counter() - began:.0f} s",
            flush=True,
        )
        until = END.date() - timedelta(days=1)
        query = VolumeQuery(
            since=until - timedelta(days=89),
            until=until,
            split="channel",
            timezone="America/Sao_Paulo",
        )
        answer = await reports.volume(store=store, query=query, caller=ADMIN)
        counted = sum(p.total for p in answer.periods)
        print(f"  the report counts {counted:,} tickets in {len(answer.periods)} days")
        assert answer.periods[0].start == query.since and counted > 0
        measured: dict[str, Callable[[], Awaitable[Any]]] = {
            "report (90 days by channel)": lambda: reports.volume(
                store=store, query=query, caller=ADMIN
            ),
            "ticket list page": lambda: reads.list_tickets(
                store=store, query=TicketQuery(), caller=ADMIN
            ),
        }
        samples: dict[str, list[float]] = {name: [] for name in measured}
        for call in measured.values():  # warm-up
            for _ in range(10):
                await call()
        for _ in range(calls):
            for name, call in measured.items():
                samples[name].append(await timings(call))
        return {name: percentiles(values) for name, values in samples.items()}
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as folder:
        results = asyncio.run(run(args.tickets, args.calls, Path(folder)))
    report_p50, report_p99 = results["report (90 days by channel)"]
    list_p50, list_p99 = results["ticket list page"]
    print(f"\n{'wall-clock per call, ms':<30}{'p50':>9}{'p99':>9}")
    for name, (p50, p99) in results.items():
        print(f"  {name:<28}{p50:>9.2f}{p99:>9.2f}")
    ratios = (report_p50 / list_p50, report_p99 / list_p99)
    ok = all(r <= TARGET for r in ratios)
    print(
        f"  report / list page: p50 {ratios[0]:.2f}x, p99 {ratios[1]:.2f}x  "
        f"{'PASS' if ok else 'FAIL'} (<= {TARGET:.0f}x)"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
