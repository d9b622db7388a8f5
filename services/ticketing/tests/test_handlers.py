"""Ticketing's handlers on FastStream's in-memory broker: the triaged-interaction consumer
puts interactions on tickets, and the request/reply methods answer through the router with
the contract's shapes and the HTTP status of a refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from faststream.rabbit import RabbitBroker, RabbitQueue, TestRabbitBroker

from contracts import topology
from contracts.events import InteractionTriagedV1, TicketChangedV1, TicketOpenedV1
from contracts.rpc import Caller, RpcReply, RpcRequest
from contracts.rpc_ticketing import TicketingMethod
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import (
    InteractionQuery,
    TicketDetail,
    TicketPage,
    TicketQuery,
    TicketRead,
)
from servicekit import rpc
from servicekit.publishing import EventPublisher
from servicekit.topology import EVENTS
from ticketing.handlers import Deps, build_router, methods
from ticketing.store.port import TicketStore
from ticketing.store.sqlite import SqliteTicketStore

from .test_domain import SCALE, make

ADMIN = Caller(id="admin", role="admin")
OPENS_A_TICKET = TriageDecision(open_ticket=OpenTicket())


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[tuple[RabbitBroker, TicketStore]]:
    store = SqliteTicketStore(tmp_path / "ticketing.sqlite3")
    await store.open()
    broker = RabbitBroker(apply_types=False)  # as servicekit.service.new_broker makes it
    broker.include_router(build_router(Deps(store, EventPublisher(broker), SCALE)))
    yield broker, store
    await store.close()


async def triage(broker: RabbitBroker, event: InteractionTriagedV1) -> None:
    await broker.publish(
        event.model_dump_json().encode(), queue=topology.TICKETING_INTERACTIONS.name
    )


async def call(broker: RabbitBroker, method: str, params: dict[str, Any]) -> RpcReply:
    request = RpcRequest(method=method, params=params, caller=ADMIN)
    answer = await broker.request(request.model_dump_json().encode(), queue=topology.TICKETING_RPC)
    return rpc.WireReply.received(answer.body, answer.headers).decoded()


async def test_a_triaged_interaction_a_rule_wants_ticketed_opens_a_ticket(
    harness: tuple[RabbitBroker, TicketStore],
) -> None:
    broker, store = harness
    opened: list[TicketOpenedV1] = []

    @broker.subscriber(RabbitQueue("test.opened", routing_key=TicketOpenedV1.routing_key), EVENTS)
    async def collect(body: dict[str, Any]) -> None:
        opened.append(TicketOpenedV1.model_validate(body))

    async with TestRabbitBroker(broker) as test_broker:
        event = InteractionTriagedV1(interaction=make(), decision=OPENS_A_TICKET)
        await triage(test_broker, event)

    [ticket], total, _, _ = await store.list_tickets(TicketQuery())
    assert total == 1
    assert ticket.interaction_count == 1
    [announced] = opened
    assert announced.ticket.id == ticket.id
    assert announced.correlation_id == event.id


async def test_a_later_interaction_of_the_conversation_joins_its_active_ticket(
    harness: tuple[RabbitBroker, TicketStore],
) -> None:
    broker, store = harness
    changed: list[TicketChangedV1] = []

    @broker.subscriber(RabbitQueue("test.changed", routing_key=TicketChangedV1.routing_key), EVENTS)
    async def collect(body: dict[str, Any]) -> None:
        changed.append(TicketChangedV1.model_validate(body))

    async with TestRabbitBroker(broker) as test_broker:
        await triage(test_broker, InteractionTriagedV1(interaction=make(), decision=OPENS_A_TICKET))
        later = make(external_id="c2", text="Alguém?")
        await triage(
            test_broker, InteractionTriagedV1(interaction=later, decision=TriageDecision())
        )

    [ticket], total, _, _ = await store.list_tickets(TicketQuery())
    assert total == 1
    assert ticket.interaction_count == 2
    assert [e.interaction_key for e in changed] == [later.key]


async def test_a_triaged_interaction_nothing_asks_to_ticket_stays_stored_without_one(
    harness: tuple[RabbitBroker, TicketStore],
) -> None:
    broker, store = harness
    async with TestRabbitBroker(broker) as test_broker:
        await triage(
            test_broker, InteractionTriagedV1(interaction=make(), decision=TriageDecision())
        )

    assert (await store.list_tickets(TicketQuery()))[1] == 0
    [stored], *_ = await store.list_interactions(InteractionQuery())
    assert stored.ticket_id is None


async def test_the_ticket_list_and_detail_answer_through_the_router(
    harness: tuple[RabbitBroker, TicketStore],
) -> None:
    broker, _ = harness
    async with TestRabbitBroker(broker) as test_broker:
        await triage(test_broker, InteractionTriagedV1(interaction=make(), decision=OPENS_A_TICKET))
        listed = await call(test_broker, TicketingMethod.TICKETS_LIST, {"page_size": 10})
        page = TicketPage.model_validate(listed.result)
        [item] = page.items
        got = await call(test_broker, TicketingMethod.TICKETS_GET, {"ref": item.protocol})

    assert listed.error is None
    assert (page.total, page.page_size) == (1, 10)
    detail = TicketDetail.model_validate(got.result)
    assert detail.id == item.id
    assert [i.interaction.key for i in detail.interactions] == [make().key]


async def test_an_update_the_status_machine_refuses_answers_409(
    harness: tuple[RabbitBroker, TicketStore],
) -> None:
    broker, _ = harness
    async with TestRabbitBroker(broker) as test_broker:
        await triage(test_broker, InteractionTriagedV1(interaction=make(), decision=OPENS_A_TICKET))
        [item] = TicketPage.model_validate(
            (await call(test_broker, TicketingMethod.TICKETS_LIST, {})).result
        ).items
        closing = await call(
            test_broker,
            TicketingMethod.TICKETS_UPDATE,
            {"ref": item.protocol, "patch": {"status": "closed"}},
        )
        reopening = await call(
            test_broker,
            TicketingMethod.TICKETS_UPDATE,
            {"ref": item.protocol, "patch": {"status": "open"}},
        )

    assert TicketRead.model_validate(closing.result).status == "closed"
    assert reopening.error is not None
    assert reopening.error.status == 409
    assert "closed ticket cannot become open" in reopening.error.detail


async def test_params_that_do_not_fit_the_method_are_refused_with_422(
    harness: tuple[RabbitBroker, TicketStore],
) -> None:
    broker, _ = harness
    async with TestRabbitBroker(broker) as test_broker:
        misspelt = await call(test_broker, TicketingMethod.TICKETS_GET, {"reff": "2026-000001"})
        off_the_page = await call(test_broker, TicketingMethod.TICKETS_LIST, {"page": 0})

    for reply in (misspelt, off_the_page):
        assert reply.error is not None
        assert (reply.error.status, reply.error.code) == (422, "invalid")


async def test_an_unknown_ticket_answers_404(harness: tuple[RabbitBroker, TicketStore]) -> None:
    broker, _ = harness
    async with TestRabbitBroker(broker) as test_broker:
        reply = await call(test_broker, TicketingMethod.TICKETS_GET, {"ref": "2026-999999"})
    assert reply.error is not None
    assert reply.error.status == 404


def test_every_ticketing_method_of_the_contract_is_served(tmp_path: Path) -> None:
    deps = Deps(
        SqliteTicketStore(tmp_path / "unused.sqlite3"),
        EventPublisher(RabbitBroker(apply_types=False)),
        SCALE,
    )
    assert set(methods(deps)) == set(TicketingMethod)
