"""What one report projection costs ticketing's process: ``shared.report_facts.project`` (the
step the consumer of ticket events takes per event) over every ticket of a seeded SQLite desk,
in CPU time of the whole process (the event loop and the SQLite thread), several rounds.

Run from the workspace root: ``.venv/bin/python bench/projection.py [--tickets 2000]
[--rounds 5]``. The desk is ``bench/reports.py``'s (four interactions per ticket: the
customer's message, the brand's reply, a follow-up and a second reply; statuses spread as a
busy desk has them), its facts projected when seeded, so every projection here reads the
ticket and finds its facts unchanged: a projection that returns True computed other facts
than the seed's, and the run fails. CPU time rather than wall-clock because the machine is
shared: it is the figure that stays put when other work takes the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from contracts.tickets import TicketQuery  # noqa: E402
from ticketing.shared import report_facts  # noqa: E402
from ticketing.store.sqlite import SqliteTicketStore  # noqa: E402


def _desk_module() -> object:
    spec = importlib.util.spec_from_file_location("reports_bench", ROOT / "bench" / "reports.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def run(tickets: int, rounds: int, folder: Path) -> list[float]:
    desk = _desk_module()
    store = SqliteTicketStore(folder / "ticketing.db")
    await store.open()
    try:
        await desk.seed(store, tickets, random.Random(tickets))  # type: ignore[attr-defined]
        ids = []
        query = TicketQuery(page_size=200)
        while True:
            page = await store.list_tickets(query)
            ids += [t.id for t in page.items]
            if page.next_cursor is None:
                break
            query = query.model_copy(update={"cursor": page.next_cursor})
        per_round = []
        for _ in range(rounds):
            began = time.process_time()
            changed = [await report_facts.project(store, ticket_id) for ticket_id in ids]
            per_round.append((time.process_time() - began) / len(ids) * 1e6)
            assert not any(changed), "a projection computed other facts than the seed's"
        return per_round
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        per_round = asyncio.run(run(args.tickets, args.rounds, Path(folder)))
    shown = ", ".join(f"{us:.0f}" for us in per_round)
    print(
        f"projection of a ticket of 4 interactions, {args.tickets:,} tickets: "
        f"median {statistics.median(per_round):.0f} µs CPU per event (rounds: {shown})"
    )


if __name__ == "__main__":
    main()
