"""The inbox's filter form read into the API's ticket query (docs/domain.md F33): every
filter of GET /v1/tickets, the order (time left on the SLA first, say) and the keyset cursor.
An empty field means "any"; a date is a whole day in UTC."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from contracts.tickets import TicketFilters, TicketQuery

LIST_FILTERS = (
    "status",
    "priority",
    "level",
    "tag",
    "channel",
    "assignee",
    "team",
    "account",
    "scope",
    "kind",
    "direction",
    "group",
    "sla_band",
)
TEXT_FILTERS = ("protocol", "text")
DAY_FILTERS = ("opened_from", "opened_to", "updated_from", "updated_to")
PAGE_SIZE = 50


def _day(value: str) -> str:
    """A date field's "2026-12-01" as the start of that day in UTC (a full time passes as is)."""
    return value if "T" in value else f"{value}T00:00:00+00:00"


def chosen_filters(params: QueryParams) -> dict[str, Any]:
    """The filters the form sets, in TicketFilters' shape (not yet validated)."""
    chosen: dict[str, Any] = {}
    for name in LIST_FILTERS:
        # a typed field takes several values separated by commas ("procon, anatel")
        values = [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
        if values:
            chosen[name] = values
    for name in TEXT_FILTERS:
        if params.get(name, "").strip():
            chosen[name] = params[name].strip()
    for name in DAY_FILTERS:
        if params.get(name, "").strip():
            chosen[name] = _day(params[name].strip())
    if params.get("overdue") in ("1", "true", "on"):
        chosen["overdue"] = True
    return chosen


def ticket_query(params: QueryParams) -> TicketQuery:
    """The whole query (ValidationError when a value is not one the desk knows)."""
    extra: dict[str, Any] = {"page_size": PAGE_SIZE}
    for name in ("sort", "order", "cursor", "page_size"):
        if params.get(name):
            extra[name] = params[name]
    return TicketQuery(**chosen_filters(params), **extra)


def form_values(filters: TicketFilters) -> dict[str, Any]:
    """What the form shows for a filter set: lists as lists, dates as their day."""
    values: dict[str, Any] = {name: getattr(filters, name) for name in LIST_FILTERS}
    for name in TEXT_FILTERS:
        values[name] = getattr(filters, name) or ""
    for name in DAY_FILTERS:
        moment = getattr(filters, name)
        values[name] = moment.date().isoformat() if moment else ""
    values["overdue"] = filters.overdue
    return values


def as_params(filters: TicketFilters, sort: str, order: str) -> list[tuple[str, str]]:
    """A filter set as the inbox's query string (a view's filters, to refine them)."""
    pairs: list[tuple[str, str]] = []
    values = form_values(filters)
    for name in LIST_FILTERS:
        pairs += [(name, str(v)) for v in values[name]]
    for name in (*TEXT_FILTERS, *DAY_FILTERS):
        if values[name]:
            pairs.append((name, values[name]))
    if filters.overdue:
        pairs.append(("overdue", "1"))
    return [*pairs, ("sort", sort), ("order", order)]
