"""Live notices (F32): an agent connected to GET /v1/events sees new tickets and new
interactions as they happen, as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from devtools.launcher import Stack
from gateway.live import LiveEvents
from tests import people
from tests.support import (
    ADMIN_TOKEN,
    create_rule,
    interaction,
    post,
    tickets,
    unique,
    wait_until,
)

Event = tuple[str, dict[str, Any]]


def events(lines: Iterator[str]) -> Iterator[Event]:
    """The (event name, data) pairs of an SSE stream; comments are skipped."""
    name = ""
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))


def first(stream: Iterator[Event], wanted: Callable[[Event], bool], seconds: float) -> Event:
    """The first event ``wanted`` accepts. Heartbeats and the read timeout bound each wait."""
    deadline = time.monotonic() + seconds
    for event in stream:
        if wanted(event):
            return event
        assert time.monotonic() < deadline, "the expected event did not come in time"
    raise AssertionError("the stream ended")


def test_a_connected_agent_sees_a_new_ticket_and_its_next_interaction(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    marker = unique("ao-vivo")
    create_rule(
        gateway, {"name": marker, "when": {"text_any": [marker]}, "then": {"open_ticket": {}}}
    )
    thread = unique("post")
    about = lambda e: marker in e[1]["ticket"]["title"]  # noqa: E731

    with (
        httpx.Client(
            base_url=stack.url("gateway"),
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=httpx.Timeout(10, read=20),
        ) as client,
        client.stream("GET", "/v1/events") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == ": subscribed"
        stream = events(lines)

        post(ingestor, interaction(thread=thread, text=f"{marker} primeira mensagem"))
        name, opened = first(stream, about, seconds=20)
        post(ingestor, interaction(thread=thread, text="segunda mensagem", minutes=1))
        _, changed = first(
            stream,
            lambda e: about(e) and e[0] == "ticket.changed" and e[1]["interaction_key"],
            seconds=20,
        )

    assert name == "ticket.opened"
    assert opened["ticket"]["interaction_count"] == 1
    assert changed["ticket"]["interaction_count"] == 2


def test_an_agent_sees_the_tickets_of_their_levels_and_not_the_others(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    theirs, other = people.level(gateway)["name"], people.level(gateway)["name"]
    agent = people.agent(gateway, levels=[theirs])
    colleague = people.agent(gateway, levels=[theirs])  # one of the two tickets goes to them
    marker = unique("nivel")
    for level in (theirs, other):
        create_rule(
            gateway,
            {
                "name": f"{marker} {level}",
                "when": {"text_any": [f"{marker}{level}"]},
                "then": {"open_ticket": {"level": level}},
            },
        )
    token = gateway.post(f"/v1/agents/{agent['id']}/tokens").json()["token"]

    with (
        httpx.Client(
            base_url=stack.url("gateway"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(10, read=20),
        ) as client,
        client.stream("GET", "/v1/events") as response,
    ):
        lines = response.iter_lines()
        assert next(lines) == ": subscribed"
        stream = events(lines)
        post(ingestor, interaction(thread=unique("post"), text=f"{marker}{other} outro nível"))
        wait_until(lambda: tickets(gateway, level=other), what="the other level's ticket")
        for n in range(2):
            post(ingestor, interaction(thread=unique("post"), text=f"{marker}{theirs} {n}"))
        seen: dict[str, dict[str, Any]] = {}
        while len(seen) < 2:
            _, event = first(stream, lambda e: marker in e[1]["ticket"]["title"], 20)
            seen[event["ticket"]["id"]] = event["ticket"]

    assert {t["level"] for t in seen.values()} == {theirs}
    # Seen for being at their level, not only for being theirs.
    assert {t["assignee"] for t in seen.values()} == {agent["id"], colleague["id"]}


def test_the_event_stream_needs_a_token(stack: Stack) -> None:
    assert httpx.get(f"{stack.url('gateway')}/v1/events").status_code == 401


def test_a_stopping_gateway_ends_its_event_streams_instead_of_waiting_for_them(
    stack: Stack,
) -> None:
    process = stack.start_replica("gateway", 1)
    url = stack.url("gateway", 1)
    try:
        wait_until(lambda: _healthy(f"{url}/healthz"), timeout=60, what="a second gateway")
        with (
            httpx.Client(
                base_url=url,
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                timeout=httpx.Timeout(10, read=40),
            ) as client,
            client.stream("GET", "/v1/events") as response,
        ):
            lines = response.iter_lines()
            assert next(lines) == ": subscribed"
            asked = time.monotonic()
            process.popen.send_signal(signal.SIGTERM)
            for _ in lines:
                pass  # the stream ends when the gateway ends it

            assert time.monotonic() - asked < 10
        # uvicorn hands the signal back to itself once it has shut down gracefully.
        assert process.popen.wait(20) in (0, -signal.SIGTERM)
    finally:
        stack.stop_process(process)
        stack.processes.remove(process)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_gateway_follows_the_ticket_events_only_while_someone_listens(
    rabbitmq_url: str,
) -> None:
    asyncio.run(_follows_only_while_someone_listens(rabbitmq_url))


async def _follows_only_while_someone_listens(rabbitmq_url: str) -> None:
    live = LiveEvents(rabbitmq_url)
    await live.connect()
    try:
        assert not live.following
        stream = live.stream(lambda ticket: True)
        await anext(stream)
        assert live.following
        await stream.aclose()
        await asyncio.wait_for(live.settled(), 5)
        assert not live.following
    finally:
        await live.close()
