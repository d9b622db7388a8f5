"""The access rule as ticketing answers it over request/reply, for what the cross-service
tests cannot arrange easily: a conversation whose active ticket is another level's."""

from __future__ import annotations

from typing import Any

from faststream.rabbit import RabbitBroker, TestRabbitBroker

from contracts import topology
from contracts.people import AgentCreate, LevelCreate
from contracts.rpc import Caller, RpcReply, RpcRequest
from contracts.rpc_ticketing import TicketingMethod
from servicekit import rpc
from ticketing.store.port import TicketStore

from .test_handlers import harness  # noqa: F401  (the fixture)
from .test_store_contract import T0, apply, message, open_for, record

ALICE = Caller(id="alice", role="agent")
ADMIN = Caller(id="admin", role="admin")


async def call(
    broker: RabbitBroker, method: str, params: dict[str, Any], caller: Caller
) -> RpcReply:
    request = RpcRequest(method=method, params=params, caller=caller)
    answer = await broker.request(request.model_dump_json().encode(), queue=topology.TICKETING_RPC)
    return rpc.WireReply.received(answer.body, answer.headers).decoded()


async def _alice_in_a(store: TicketStore) -> None:
    for level in (LevelCreate(name="A", accounts=["acme-page"]), LevelCreate(name="B")):
        await store.create_entry("level", level.name, level.model_dump(mode="json"))
    alice = AgentCreate(id="alice", name="Alice", email="alice@example.com", levels=["A"])
    await store.create_entry("agent", "alice", alice.model_dump(mode="json"))


async def test_the_conflict_names_the_conversations_ticket_only_to_who_may_see_it(
    harness: tuple[RabbitBroker, TicketStore],  # noqa: F811
) -> None:
    broker, store = harness
    await _alice_in_a(store)
    ticket = await apply(store, await open_for(store, message("post-1")), now=T0, level="B")
    later = await record(store, message("post-1", minutes=5))  # not attached: a stand-in race

    async with TestRabbitBroker(broker) as test_broker:
        params = {"interaction_id": str(later.id)}
        theirs = await call(test_broker, TicketingMethod.TICKETS_CREATE, params, ALICE)
        admins = await call(test_broker, TicketingMethod.TICKETS_CREATE, params, ADMIN)

    assert theirs.error is not None and admins.error is not None
    assert (theirs.error.status, admins.error.status) == (409, 409)
    assert ticket.protocol not in theirs.error.detail
    assert "another ticket" in theirs.error.detail
    assert ticket.protocol in admins.error.detail
