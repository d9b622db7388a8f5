"""The gateway's live-events fan-out: every client sees what it may see, and a client that
stops reading is dropped instead of growing the gateway's memory."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from contracts.directory_events import AgentChangedV1
from contracts.rpc import Caller
from gateway import live as live_module
from gateway.live import CLIENT_BUFFER, Listener, LiveEvents
from gateway.routes.events import visibility


def ticket_event(level: str | None = "legal", assignee: str | None = None) -> dict[str, Any]:
    return {"id": "e1", "ticket": {"level": level, "assignee": assignee, "title": "t"}}


async def test_a_client_that_stops_reading_is_dropped_and_the_others_keep_receiving() -> None:
    live = LiveEvents("amqp://unused")
    slow = live.stream(lambda ticket: True)
    fast = live.stream(lambda ticket: True)
    assert await anext(slow) == ": subscribed\n\n"
    assert await anext(fast) == ": subscribed\n\n"

    for _ in range(CLIENT_BUFFER + 1):
        live._fan_out("ticket.opened", ticket_event())
        assert (await asyncio.wait_for(anext(fast), 1)).startswith("event: ticket.opened")

    assert live.clients == 1
    backlog = [text async for text in slow]
    assert len(backlog) == CLIENT_BUFFER  # what it had queued, then the stream ended
    await fast.aclose()
    assert live.clients == 0


async def test_ending_the_streams_finishes_every_client_at_once() -> None:
    live = LiveEvents("amqp://unused")
    stream = live.stream(lambda ticket: True)
    await anext(stream)
    live._fan_out("ticket.opened", ticket_event())

    live.end_streams()

    rest = await asyncio.wait_for(_drain(stream), 1)
    assert len(rest) == 1 and rest[0].startswith("event: ticket.opened")


async def _drain(stream: Any) -> list[str]:
    return [text async for text in stream]


def test_admins_see_every_ticket_and_agents_their_levels_and_their_own() -> None:
    admin = visibility(Caller(id="root", role="admin"), frozenset())
    agent = visibility(Caller(id="ana", role="agent"), frozenset({"basic"}))
    legal, basic = ticket_event("legal")["ticket"], ticket_event("basic")["ticket"]
    mine = ticket_event("legal", assignee="ana")["ticket"]

    assert admin(legal) and admin(basic)
    assert agent(basic) and agent(mine)
    assert not agent(legal)


async def _allowed() -> bool:
    return True


async def test_an_agent_who_loses_access_has_only_their_streams_ended() -> None:
    live = LiveEvents("amqp://unused")
    ana = live.stream(lambda ticket: True, Listener("ana", frozenset({"basic", "legal"}), _allowed))
    bob = live.stream(lambda ticket: True, Listener("bob", frozenset({"basic"}), _allowed))
    await anext(ana), await anext(bob)

    still = AgentChangedV1(agent_id="ana", active=True, levels=["basic", "legal", "vip"])
    live._end_lost_access(still.model_dump(mode="json"))
    assert live.clients == 2  # a level more takes nothing away
    fewer = AgentChangedV1(agent_id="ana", active=True, levels=["basic"])
    live._end_lost_access(fewer.model_dump(mode="json"))

    assert await asyncio.wait_for(_drain(ana), 1) == []
    assert live.clients == 1
    live._end_lost_access(AgentChangedV1(agent_id="bob", active=False).model_dump(mode="json"))
    assert await asyncio.wait_for(_drain(bob), 1) == []


async def test_a_lost_announcement_ends_the_stream_at_the_next_heartbeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_module, "HEARTBEAT_SECONDS", 0.05)
    asked: list[bool] = []

    async def deactivated() -> bool:
        asked.append(False)
        return False

    live = LiveEvents("amqp://unused")
    stream = live.stream(lambda ticket: True, Listener("ana", frozenset(), deactivated))
    await anext(stream)

    assert await asyncio.wait_for(_drain(stream), 1) == []
    assert asked == [False]
