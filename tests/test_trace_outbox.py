"""An event the outbox relay publishes late still continues the trace of the request that
brought it. The services run with tracing on (to this module's own OTLP collector) against a
RabbitMQ node of the test's own (devtools.rabbit_node; the shared node is never touched). The
node is stopped, an interaction is posted with a caller's ``traceparent`` (the ingestor keeps
it in its outbox and answers 503: accepted, not confirmed), the node comes back, and the
relay's publish must carry the stored context: rules' and ticketing's handling of that
interaction, and the ticket it opens, are spans of the caller's trace."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devtools.launcher import Stack
from devtools.rabbit_node import RabbitNode
from tests.conftest import TEST_PORT_OFFSET
from tests.support import (
    ADMIN_TOKEN,
    INGEST_KEY,
    STACK_SECRETS,
    create_rule,
    interaction,
    tickets_of_thread,
    unique,
    wait_until,
)
from tests.test_observability import OtlpSink, traceparent

LATE_HOPS = ("rules.interactions handle", "ticketing.interactions handle")


@pytest.fixture(scope="module")
def collector() -> Iterator[OtlpSink]:
    sink = OtlpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()


@pytest.fixture(scope="module")
def node() -> Iterator[RabbitNode]:
    with RabbitNode() as node:
        yield node


@pytest.fixture(scope="module")
def traced_on_own_node(
    node: RabbitNode, collector: OtlpSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("trace-outbox")
    stack = Stack(
        data_dir=data_dir,
        env={
            "RABBITMQ_URL": node.url,
            **STACK_SECRETS,
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # milliseconds: spans reach the test quickly
        },
        port_offset=TEST_PORT_OFFSET + 700,
        log_dir=Path(os.environ.get("SOCIALDESK_TEST_LOGS", data_dir / "logs")) / "trace-outbox",
    )
    stack.start()
    try:
        stack.wait_healthy(timeout=120)
        yield stack
    finally:
        stack.stop()


def test_an_event_the_relay_publishes_late_continues_the_callers_trace(
    node: RabbitNode, traced_on_own_node: Stack, collector: OtlpSink
) -> None:
    stack = traced_on_own_node
    marker, thread = unique("late"), unique("late-post")
    with (
        httpx.Client(
            base_url=stack.url("gateway"),
            timeout=30,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as gateway,
        httpx.Client(
            base_url=stack.url("ingestor"), timeout=30, headers={"X-Api-Key": INGEST_KEY}
        ) as ingestor,
    ):
        create_rule(
            gateway, {"name": marker, "when": {"text_any": [marker]}, "then": {"open_ticket": {}}}
        )
        node.stop()
        trace_id, header = traceparent()
        kept = ingestor.post(
            "/v1/interactions",
            json=interaction(thread=thread, text=f"{marker}: meu pedido não chegou"),
            headers={"traceparent": header},
        )
        # Kept in the outbox, not confirmed: only the relay can publish it now.
        assert kept.status_code == 503, kept.text
        assert "accepted but not yet confirmed" in kept.json()["detail"]
        node.start()
        wait_until(
            lambda: gateway.get("/v1/tickets").status_code == 200,
            timeout=30,
            what="the gateway's reads after the broker came back",
        )
        wait_until(
            lambda: len(tickets_of_thread(gateway, thread)) == 1,
            timeout=60,
            what="the ticket of the interaction the relay published late",
        )

    def late_hops_in_trace() -> set[str] | None:
        names = {s.name for s in collector.of_trace(trace_id)}
        return names if set(LATE_HOPS) <= names else None

    names = wait_until(late_hops_in_trace, timeout=20, what="the late event's hops in the trace")
    services = {s.service for s in collector.of_trace(trace_id)}
    assert {"ingestor", "rules", "ticketing"} <= services, (services, names)
