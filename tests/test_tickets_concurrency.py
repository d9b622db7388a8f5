"""Many conversations at once on three ticketing replicas: one ticket per conversation,
every interaction on it exactly once, protocol numbers unique and without gaps."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from devtools.launcher import Stack
from tests.support import create_rule, interaction, post, unique, wait_until

THREADS = 200
PER_THREAD = 2


def every_ticket(gateway: httpx.Client, **filters: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        response = gateway.get(
            "/v1/tickets", params={"page_size": 200, "page": page, **filters}
        ).json()
        found += response["items"]
        if len(found) >= response["total"]:
            return found
        page += 1


def test_two_hundred_conversations_in_parallel_on_three_replicas_give_two_hundred_tickets(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    third = stack.start_replica("ticketing", 2)
    try:
        stack.wait_healthy()
        tag = unique("massa").replace("-", "")
        create_rule(
            gateway,
            {
                "name": tag,
                "when": {"text_any": [tag]},
                "then": {"open_ticket": {}, "add_tags": [tag]},
            },
        )
        threads = [unique("post") for _ in range(THREADS)]
        messages = [
            interaction(thread=thread, text=f"{tag} mensagem {n}", minutes=n)
            for n in range(PER_THREAD)
            for thread in threads
        ]

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda m: post(ingestor, m), messages))

        def all_ticketed() -> list[dict[str, Any]] | None:
            found = every_ticket(gateway, tag=tag)
            counted = sum(t["interaction_count"] for t in found)
            return found if counted == THREADS * PER_THREAD else None

        found = wait_until(all_ticketed, timeout=120, what="every interaction on a ticket")
    finally:
        assert stack.stop_process(third) is not None
        stack.processes.remove(third)

    assert len(found) == THREADS
    by_thread = defaultdict(list)
    for ticket in found:
        by_thread[ticket["thread_key"].rsplit(":", 1)[-1]].append(ticket)
    assert sorted(by_thread) == sorted(threads)
    assert all(len(t) == 1 and t[0]["interaction_count"] == PER_THREAD for t in by_thread.values())
    stored = gateway.get("/v1/interactions", params={"text": tag, "page_size": 1}).json()
    assert stored["total"] == THREADS * PER_THREAD
    sequences = defaultdict(list)
    for ticket in every_ticket(gateway, include_removed="true"):
        year, number = ticket["protocol"].split("-")
        sequences[year].append(int(number))
    for numbers in sequences.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
