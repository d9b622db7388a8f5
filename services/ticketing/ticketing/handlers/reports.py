"""Reports: the consumer that keeps the report counters up to date from ticket events, and
the request/reply methods that read them."""

from __future__ import annotations

from typing import Any

from contracts import topology
from contracts.events import TicketChangedV1, TicketOpenedV1
from contracts.reports import BacklogQuery, TimesQuery, VolumeQuery
from contracts.rpc import Caller
from contracts.rpc_ticketing import TicketingMethod
from servicekit import consuming, rpc
from servicekit.coalescing import Coalescing
from ticketing.handlers.deps import Deps
from ticketing.store.reports import ProjectsOnWrite
from ticketing.usecases import report_projection, reports


def subscribe(router: consuming.Registrar, deps: Deps) -> None:
    projections = Coalescing()
    store = deps.store
    projected = store.projected_on_write if isinstance(store, ProjectsOnWrite) else None

    async def on_ticket(event: TicketOpenedV1 | TicketChangedV1) -> None:
        if projected is not None and projected(event.id):
            # The write that published it projected the ticket before it committed.
            return
        # One replica projects one ticket at a time, and the events that wait behind a
        # projection share the next one (it reads the ticket as it is then); across replicas
        # the store refuses facts older than those it holds.
        ticket_id = event.ticket.id
        await projections.run(
            str(ticket_id),
            lambda: report_projection.ticket_changed(store=store, ticket_id=ticket_id),
        )

    consuming.consume(
        router,
        topology.TICKETING_REPORTS,
        {TicketOpenedV1.routing_key: TicketOpenedV1, TicketChangedV1.routing_key: TicketChangedV1},
        on_ticket,
        publisher=deps.publisher,
    )


def methods(deps: Deps) -> dict[str, rpc.Method]:
    store = deps.store

    async def volume(query: VolumeQuery, caller: Caller) -> Any:
        return await reports.volume(store=store, query=query, caller=caller)

    async def times(query: TimesQuery, caller: Caller) -> Any:
        return await reports.times(store=store, query=query, caller=caller)

    async def backlog(query: BacklogQuery, caller: Caller) -> Any:
        return await reports.backlog(store=store, query=query, caller=caller)

    return {
        TicketingMethod.REPORTS_VOLUME: rpc.typed(VolumeQuery, volume),
        TicketingMethod.REPORTS_TIMES: rpc.typed(TimesQuery, times),
        TicketingMethod.REPORTS_BACKLOG: rpc.typed(BacklogQuery, backlog),
    }
