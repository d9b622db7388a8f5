"""A ticket's detail in one process: the CPU and wall time of ticketing's ``ticket_detail``
use case (what ``GET /v1/tickets/{protocol}`` costs ticketing, without the broker and the
gateway) on a ticket with 20 interactions from 5 authors, each author a person in a group
and two of them with groups kept by an earlier version, and two sub-tickets.

Run from the workspace root: ``.venv/bin/python bench/detail.py [--calls 2000]``.

Printed: CPU per call (``time.process_time``: the process, the store's SQLite thread
included), and the wall time per call's p50 / p99 / max, after a warm-up; then how many
garbage collections ran during the timed calls (a full collection in the middle of a
request is one candidate for a p99 far from the p50).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

# The service's modules, so a full collection walks a heap the size of the service's.
import ticketing.app  # noqa: F401
from contracts.interaction import Author, Channel, Interaction, Kind
from contracts.rpc import Caller
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import StoredInteraction
from ticketing.domain import persons, tickets
from ticketing.domain.priority import PriorityScale
from ticketing.domain.threading import thread_key
from ticketing.store.sqlite.store import SqliteTicketStore
from ticketing.usecases import reads

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
AUTHORS = 5
INTERACTIONS = 20


def _interaction(thread: str, n: int) -> Interaction:
    author = f"author-{n % AUTHORS}"
    return Interaction(
        channel=Channel.FACEBOOK,
        account="acme-page",
        external_id=f"ext-{uuid4().hex[:10]}",
        thread_id=thread,
        kind=Kind.COMMENT,
        author=Author(id=author, name=author.title()),
        text=f"My order number {n} never arrived, and nobody answers here",
        occurred_at=T0 + timedelta(minutes=n),
    )


async def _open(store: SqliteTicketStore, thread: str, count: int, parent: str | None) -> str:
    """A ticket collecting ``count`` interactions of one conversation; its protocol."""
    sent = [_interaction(thread, n) for n in range(count)]
    stored = []
    for interaction in sent:
        stored.append(
            await store.record_interaction(
                StoredInteraction(
                    id=uuid4(), ticket_id=None, received_at=T0, interaction=interaction
                ),
                thread_key=thread_key(interaction),
            )
        )
    ticket = tickets.open_ticket(
        interaction=sent[-1],
        decision=TriageDecision(open_ticket=OpenTicket()),
        scale=PriorityScale(),
        now=T0,
    )
    if parent is not None:
        found = await store.get_ticket_by_protocol(parent)
        assert found is not None
        ticket = dataclasses.replace(ticket, parent_id=found.id)
    created = await store.create_ticket(
        ticket,
        year=2026,
        interaction_id=stored[-1].id,
        history=lambda _: [],
        announce=lambda _: [],
    )
    return created.protocol


async def _seed(store: SqliteTicketStore) -> str:
    protocol = await _open(store, "post-main", INTERACTIONS, None)
    for n in range(2):
        await _open(store, f"post-child-{n}", 1, protocol)
    people = []
    for n in range(AUTHORS):
        identity = persons.identity_of(_interaction("post-main", n))
        people.append(
            persons.new_person(identity, person_id=uuid4(), now=T0, groups=[f"group-{n}"])
        )
        if n < 2:  # groups an earlier version kept per author
            await store.create_entry("author", identity.key, {"groups": ["VIP", f"group-{n}"]})
    await store.write_people(save=people)
    return protocol


async def main(calls: int, clients: int, freeze: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        store = SqliteTicketStore(Path(directory) / "ticketing.db")
        await store.open()
        try:
            protocol = await _seed(store)
            caller = Caller(id="admin", role="admin")
            detail = await reads.ticket_detail(store=store, ref=protocol, caller=caller)
            assert len(detail.interactions) == INTERACTIONS, len(detail.interactions)
            assert len(detail.children) == 2
            assert all(i.author_groups for i in detail.interactions)
            for _ in range(200):
                await reads.ticket_detail(store=store, ref=protocol, caller=caller)
            if freeze:
                gc.freeze()  # as the service does once started (ticketing.app)
            pauses = GcPauses()
            walls: list[float] = []

            async def client(n: int) -> None:
                for _ in range(n):
                    started = time.perf_counter()
                    await reads.ticket_detail(store=store, ref=protocol, caller=caller)
                    walls.append(time.perf_counter() - started)

            cpu = time.process_time()
            await asyncio.gather(*(client(calls // clients) for _ in range(clients)))
            cpu = time.process_time() - cpu
            gc.callbacks.remove(pauses.record)
        finally:
            await store.close()
    walls.sort()
    print(
        f"ticket_detail, {INTERACTIONS} interactions from {AUTHORS} authors, {len(walls)} calls"
        f" by {clients} concurrent clients: CPU {cpu / len(walls) * 1000:.3f} ms/call;"
        f" wall p50 {statistics.median(walls) * 1000:.3f} ms,"
        f" p99 {walls[int(len(walls) * 0.99)] * 1000:.3f} ms, max {walls[-1] * 1000:.3f} ms;"
        f" {len(pauses.seconds)} GC runs during the calls, longest"
        f" {max(pauses.seconds, default=0) * 1000:.3f} ms, all {sum(pauses.seconds) * 1000:.1f} ms;"
        f" full collections {pauses.generations.count(2)}"
    )


class GcPauses:
    """How long each garbage collection took (gc.callbacks brackets every run)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.generations: list[int] = []
        self._started = 0.0
        gc.callbacks.append(self.record)

    def record(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds.append(time.perf_counter() - self._started)
            self.generations.append(info["generation"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument(
        "--clients", type=int, default=1, help="concurrent callers (the bench's reads use 50)"
    )
    parser.add_argument(
        "--freeze", action="store_true", help="gc.freeze() after the warm-up, as the service"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.calls, arguments.clients, arguments.freeze))
