"""Saved and built-in views of the ticket list, their counts, their tickets and their board
(docs/domain.md F33). A view's tickets and counts are the ticket list's, under the same
access rule: an agent counts and sees only their levels' tickets and their own."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from contracts.rpc import Caller
from contracts.tickets import TicketPage, TicketQuery, TicketRead
from contracts.views import Board, BoardColumn, ViewCreate, ViewRead, ViewTicketsQuery
from servicekit import rpc
from ticketing.domain import views
from ticketing.domain.access import Visibility
from ticketing.domain.priority import PriorityScale
from ticketing.domain.status import Status
from ticketing.shared import access
from ticketing.shared.sla_policies import CachedPolicies, clocked_page
from ticketing.store.port import Listing, TicketStore

BOARD_PAGE = 20
"""Tickets shown per board column; the column's next_cursor reads more."""


async def _all(
    store: TicketStore, caller: Caller, scale: PriorityScale
) -> tuple[list[ViewRead], Visibility | None]:
    visible = await access.visibility(store, caller)
    if visible is None:
        levels = [e["name"] for e in await store.list_entries("level")]
    else:
        levels = list(visible.levels)
    saved = [ViewRead.model_validate(e) for e in await store.list_entries("view")]
    agent = None if visible is None else visible.agent
    shown = [v for v in saved if views.sees(v, agent=agent, levels=levels)]
    builtin = views.builtins(caller=caller.id, levels=levels, highest_priority=scale.levels[0])
    return [*builtin, *sorted(shown, key=lambda v: v.name.casefold())], visible


async def _one(
    store: TicketStore, caller: Caller, scale: PriorityScale, view_id: str
) -> tuple[ViewRead, Visibility | None]:
    every, visible = await _all(store, caller, scale)
    for view in every:
        if view.id == view_id:
            return view, visible
    if not view_id.startswith(views.BUILTIN) and await store.get_entry("view", view_id):
        raise access.Forbidden("the view is neither yours nor shared with your levels")
    raise rpc.NotFound(f"no view {view_id}")


async def _counted(store: TicketStore, view: ViewRead, visible: Visibility | None) -> ViewRead:
    agent = visible.agent if visible is not None else ""
    count, exact = await store.count_tickets(
        views.with_own_id(view.filters, agent), visible=visible
    )
    return view.model_copy(update={"count": count, "count_exact": exact})


async def list_views(
    *, store: TicketStore, caller: Caller, scale: PriorityScale, counted: bool = True
) -> list[ViewRead]:
    """Every view the caller sees, each with its count (an index-backed count per view, up
    to 1,000; no page is read). ``counted=False``: without counts (``count`` None), for a
    page that shows the names at once and fetches the counts after it."""
    every, visible = await _all(store, caller, scale)
    if not counted:
        return every
    return [await _counted(store, v, visible) for v in every]


async def get_view(
    *, store: TicketStore, caller: Caller, scale: PriorityScale, view_id: str
) -> ViewRead:
    view, visible = await _one(store, caller, scale, view_id)
    return await _counted(store, view, visible)


async def _check_sharing(store: TicketStore, caller: Caller, body: ViewCreate) -> None:
    visible = await access.visibility(store, caller)
    for index, level in enumerate(body.shared_with):
        if await store.get_entry("level", level) is None:
            raise rpc.Invalid(f"there is no level {level!r}", loc=["shared_with", index])
        if visible is not None and level not in visible.levels:
            raise access.Forbidden(f"you can share a view only with your levels, not {level!r}")


async def create_view(
    *, store: TicketStore, caller: Caller, body: ViewCreate, now: datetime | None = None
) -> ViewRead:
    await _check_sharing(store, caller, body)
    view = ViewRead(
        id=str(uuid4()),
        **body.model_dump(),
        owner=caller.id,
        created_at=now or datetime.now(UTC),
    )
    await store.create_entry("view", view.id, view.model_dump(mode="json"))
    return view


async def _changeable(store: TicketStore, caller: Caller, view_id: str) -> ViewRead:
    body = await store.get_entry("view", view_id)
    if body is None:
        raise rpc.NotFound(f"no view {view_id}")
    view = ViewRead.model_validate(body)
    visible = await access.visibility(store, caller)
    if not views.may_change(view, agent=None if visible is None else visible.agent):
        raise access.Forbidden("only its owner or an administrator can change a view")
    return view


async def replace_view(
    *, store: TicketStore, caller: Caller, view_id: str, body: ViewCreate
) -> ViewRead:
    if view_id.startswith(views.BUILTIN):
        raise access.Forbidden("built-in views cannot be changed")
    view = await _changeable(store, caller, view_id)
    await _check_sharing(store, caller, body)
    replaced = ViewRead.model_validate({**view.model_dump(), **body.model_dump()})
    await store.replace_entry("view", view_id, replaced.model_dump(mode="json"))
    return replaced


async def delete_view(*, store: TicketStore, caller: Caller, view_id: str) -> None:
    if view_id.startswith(views.BUILTIN):
        raise access.Forbidden("built-in views cannot be removed")
    await _changeable(store, caller, view_id)
    await store.delete_entry("view", view_id)


def _query(view: ViewRead, agent: str, page_size: int, cursor: str | None = None) -> TicketQuery:
    filters = views.with_own_id(view.filters, agent)
    return TicketQuery(
        **filters.model_dump(),
        sort=view.sort,
        order=view.order,
        page_size=page_size,
        cursor=cursor,
    )


async def view_tickets(
    *,
    store: TicketStore,
    caller: Caller,
    scale: PriorityScale,
    view_id: str,
    query: ViewTicketsQuery,
    policies: CachedPolicies | None = None,
    now: datetime | None = None,
) -> TicketPage:
    """The view's tickets, each with its SLA clocks at ``now`` as the desk's list shows them."""
    view, visible = await _one(store, caller, scale, view_id)
    agent = visible.agent if visible is not None else caller.id
    if query.status is not None:
        # A board column: narrows the view to one of its statuses, never widens it.
        if view.filters.status and query.status not in view.filters.status:
            return TicketPage(items=[], total=0, page=1, page_size=query.page_size)
        view = view.model_copy(
            update={"filters": view.filters.model_copy(update={"status": [query.status]})}
        )
    listing = await _page(
        store,
        _query(view, agent, page_size=query.page_size, cursor=query.cursor),
        visible,
        scale,
        policies,
        now or datetime.now(UTC),
    )
    return TicketPage.model_construct(
        items=listing.items,
        total=listing.total,
        total_exact=listing.total_exact,
        page=1,
        page_size=query.page_size,
        next_cursor=listing.next_cursor,
    )


async def board(
    *,
    store: TicketStore,
    caller: Caller,
    scale: PriorityScale,
    view_id: str,
    policies: CachedPolicies | None = None,
    now: datetime | None = None,
) -> Board:
    """One column per status the view holds (every status when it names none), in the
    status machine's order, each with its count and first page (its tickets with their SLA
    clocks at ``now``)."""
    moment = now or datetime.now(UTC)
    view, visible = await _one(store, caller, scale, view_id)
    agent = visible.agent if visible is not None else caller.id
    statuses = view.filters.status or [s.value for s in Status]
    columns = []
    for status in statuses:
        column = view.model_copy(
            update={"filters": view.filters.model_copy(update={"status": [status]})}
        )
        listing = await _page(
            store, _query(column, agent, page_size=BOARD_PAGE), visible, scale, policies, moment
        )
        columns.append(
            BoardColumn(
                status=status,
                count=listing.total,
                count_exact=listing.total_exact,
                items=listing.items,
                next_cursor=listing.next_cursor,
            )
        )
    return Board(view=await _counted(store, view, visible), columns=columns)


async def _page(
    store: TicketStore,
    query: TicketQuery,
    visible: Visibility | None,
    scale: PriorityScale,
    policies: CachedPolicies | None,
    now: datetime,
) -> Listing[TicketRead]:
    """A view's (or a board column's) page, its tickets with their clocks at ``now``."""
    if policies is None:
        listing = await store.ticket_page(query, visible=visible, priorities=scale.levels)
    else:
        listing = await clocked_page(
            store, query, visible=visible, priorities=scale.levels, policies=policies, now=now
        )
    return listing
