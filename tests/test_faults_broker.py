"""The whole system across a broker crash: the five services run against a RabbitMQ node of
the test's own (devtools.rabbit_node; the shared node is never touched), the node is killed
with SIGKILL and started again, and the system must recover by itself: the gateway's reads
answer 200 within 10 s of the node's return, new live-event streams work, every service's
/healthz is 200 again, and every interaction posted before, during and after the outage ends
in exactly one ticket per conversation with exactly its interactions."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.launcher import SERVICES, Stack
from devtools.rabbit_node import RabbitNode
from tests.conftest import TEST_PORT_OFFSET
from tests.support import (
    ADMIN_TOKEN,
    INGEST_KEY,
    STACK_SECRETS,
    create_rule,
    interaction,
    unique,
    wait_until,
)
from tests.test_events_stream import events, first

RECOVERY_SECONDS = 10.0
CONVERSATIONS = 10


@pytest.fixture(scope="module")
def node() -> Iterator[RabbitNode]:
    with RabbitNode() as node:
        yield node


@pytest.fixture(scope="module")
def fault_stack(node: RabbitNode, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("faults")
    stack = Stack(
        data_dir=data_dir,
        env={
            "RABBITMQ_URL": node.url,
            **STACK_SECRETS,
            "SOCIALDESK_LOG_LEVEL": "INFO",
        },
        replicas={"ticketing": 2},
        # Beside the session's stack (offset + 0 and + 100 for its replicas).
        port_offset=TEST_PORT_OFFSET + 200,
        log_dir=Path(os.environ.get("SOCIALDESK_TEST_LOGS", data_dir / "logs")) / "faults",
    )
    stack.start()
    try:
        stack.wait_healthy(timeout=120)
        yield stack
    finally:
        stack.stop()


def client(stack: Stack, service: str, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=stack.url(service), timeout=30, headers=headers)


def thread_tickets(gateway: httpx.Client, marker: str) -> dict[str, list[dict[str, Any]]]:
    response = gateway.get("/v1/tickets", params={"page_size": 200})
    response.raise_for_status()
    found: dict[str, list[dict[str, Any]]] = {}
    for ticket in response.json()["items"]:
        thread = ticket["thread_key"].rsplit(":thread:", 1)[-1]
        if thread.startswith(marker):
            found.setdefault(thread, []).append(ticket)
    return found


def test_the_system_recovers_by_itself_from_a_broker_crash(
    node: RabbitNode, fault_stack: Stack
) -> None:
    stack = fault_stack
    gateway = client(stack, "gateway", Authorization=f"Bearer {ADMIN_TOKEN}")
    ingestor = client(stack, "ingestor", **{"X-Api-Key": INGEST_KEY})
    marker = unique("crash")
    create_rule(
        gateway, {"name": marker, "when": {"text_any": [marker]}, "then": {"open_ticket": {}}}
    )
    threads = [f"{marker}-{i}" for i in range(CONVERSATIONS)]
    posted: dict[str, int] = dict.fromkeys(threads, 0)

    def batch(step: int) -> list[dict[str, Any]]:
        for thread in threads:
            posted[thread] += 1
        return [
            interaction(thread=thread, text=f"{marker} message {step}", minutes=step)
            for thread in threads
        ]

    assert ingestor.post("/v1/interactions", json=batch(0)).status_code == 202
    wait_until(
        lambda: len(thread_tickets(gateway, marker)) == CONVERSATIONS,
        timeout=30,
        what="the first tickets",
    )

    node.kill()
    # During the outage: reads are refused at once with 503, never 500; interactions are
    # kept in the ingestor's outbox (answered 503: accepted, not confirmed) or refused.
    outage_read = gateway.get("/v1/tickets")
    assert outage_read.status_code == 503, outage_read.text
    # Health tells the truth: not ready, saying why, yet alive (nothing for a restart to cure).
    health = wait_until(
        lambda: (r := httpx.get(f"{stack.url('gateway')}/healthz")).status_code == 503 and r,
        timeout=5,
        what="the gateway's /healthz to say 503",
    )
    assert "rpc" in health.json()["failing"], health.json()
    for service in ("ticketing", "rules", "notifier", "ingestor"):
        ready = wait_until(
            lambda s=service: (r := httpx.get(f"{stack.url(s)}/readyz")).status_code == 503 and r,
            timeout=5,
            what=f"{service}'s /readyz to say 503",
        )
        assert "broker" in ready.json()["failing"], (service, ready.json())
        assert httpx.get(f"{stack.url(service)}/livez").status_code == 200
    during = batch(1)
    outage_post = ingestor.post("/v1/interactions", json=during)
    assert outage_post.status_code in (202, 503), outage_post.text

    node.start()
    back = time.monotonic()
    wait_until(
        lambda: (
            gateway.get("/v1/tickets").status_code == 200
            and gateway.get("/v1/rules").status_code == 200
        ),
        timeout=RECOVERY_SECONDS,
        what="the gateway's reads to answer 200 after the broker came back",
    )
    wait_until(
        stack.all_healthy,
        timeout=RECOVERY_SECONDS,
        what="every service's /healthz to answer 200 after the broker came back",
    )
    recovered = time.monotonic() - back
    # A retry of the batch sent during the outage, as a connector would: nothing is doubled.
    assert ingestor.post("/v1/interactions", json=during).status_code == 202

    # A live-events stream opened after the restart gets the new tickets' events.
    with (
        httpx.Client(
            base_url=stack.url("gateway"),
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=httpx.Timeout(10, read=20),
        ) as live,
        live.stream("GET", "/v1/events") as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()
        assert next(lines) == ": subscribed"
        late = f"{marker}-late"
        posted[late] = 1
        late_post = ingestor.post(
            "/v1/interactions", json=interaction(thread=late, text=f"{marker} {late}")
        )
        assert late_post.status_code == 202
        first(
            events(lines),
            lambda e: e[0] == "ticket.opened" and late in e[1]["ticket"]["title"],
            seconds=20,
        )
    assert ingestor.post("/v1/interactions", json=batch(2)).status_code == 202

    def settled() -> dict[str, list[dict[str, Any]]] | None:
        found = thread_tickets(gateway, marker)
        counts = {t: sum(x["interaction_count"] for x in found.get(t, [])) for t in posted}
        return found if counts == posted else None

    found = wait_until(settled, timeout=60, what="every interaction ticketed")
    assert {thread: len(tickets) for thread, tickets in found.items()} == dict.fromkeys(
        posted, 1
    ), "a conversation has no ticket or more than one"
    print(f"healthy {recovered:.1f}s after the broker came back; services: {len(SERVICES)}")
