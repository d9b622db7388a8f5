"""The one row codec: Ticket <-> plain document (both adapters store this shape; SQLite keeps
``tags`` and ``extra`` as JSON text in their columns) and stored interactions <-> their JSON
body."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from pydantic_core import from_json

from contracts.rules import TriageDecision
from contracts.tickets import StoredInteraction, TicketRead
from ticketing.domain import sla
from ticketing.domain.status import Status
from ticketing.domain.tickets import Ticket


def iso(moment: datetime) -> str:
    """Fixed-width UTC text (``2026-11-25T10:00:00.000000Z``), so string order is time order.
    isoformat/fromisoformat rather than strftime/strptime: several times faster, and every
    listed ticket goes through here twice."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(timespec="microseconds") + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ticket_to_doc(ticket: Ticket) -> dict[str, Any]:
    doc = _document(ticket)
    # Written with every write of the ticket (both stores save this document and nothing
    # else of it), so the list sends it as it is instead of validating and serialising
    # the same row on every page (issue 8 part 6).
    doc["list_row"] = list_row(doc)
    return doc


def list_row(doc: Any) -> str:
    """The ticket as the list answers it (``TicketRead``'s JSON) without its clocks
    (``"sla":null``, which depend on when it is read: ``page_json`` splices them in)."""
    return TicketRead.model_validate(_read_fields(doc)).model_dump_json()


def _document(ticket: Ticket) -> dict[str, Any]:
    track = ticket.sla
    return {
        "id": str(ticket.id),
        "protocol": ticket.protocol,
        "title": ticket.title,
        "status": ticket.status.value,
        "priority": ticket.priority,
        "level": ticket.level,
        "assignee": ticket.assignee,
        "tags": list(ticket.tags),
        "channel": ticket.channel,
        "account": ticket.account,
        "thread_key": ticket.thread_key,
        "active_thread_key": ticket.thread_key if ticket.active else None,
        "opened_by": ticket.opened_by,
        "opened_at": iso(ticket.opened_at),
        "updated_at": iso(ticket.updated_at),
        "previous_ticket_id": str(ticket.previous_ticket_id) if ticket.previous_ticket_id else None,
        "interaction_count": ticket.interaction_count,
        "change_count": ticket.change_count,
        "version": ticket.version,
        # Filtered on, so fields of their own (indexed) rather than inside ``extra``.
        "removed": ticket.removed,
        "parent_id": str(ticket.parent_id) if ticket.parent_id else None,
        "sla_next_at": _iso_or_none(track.next_at),
        "sla_due_at": _iso_or_none(track.due_at),
        "sla_band": track.band,
        "sla_listed": track.listed,
        "extra": {
            "team": ticket.team,
            "custom_fields": dict(ticket.custom_fields),
            "contact": dict(ticket.contact),
            "merged_into": str(ticket.merged_into) if ticket.merged_into else None,
            "sla": track_to_doc(track),
            "kind": ticket.kind,
            "scope": ticket.scope,
            "direction": ticket.direction,
        },
    }


def _iso_or_none(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def _parsed_or_none(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


def track_to_doc(track: sla.Track) -> dict[str, Any]:
    """The SLA facts kept in ``extra`` (the reading's three values are columns of their own)."""
    return {
        "statuses": [[iso(at), status] for at, status in track.statuses],
        "first_response_at": _iso_or_none(track.first_response_at),
        "awaiting_since": _iso_or_none(track.awaiting_since),
        "answered_at": _iso_or_none(track.answered_at),
        "arm": track.arm,
        "warned": sorted(track.warned),
        "basis": track.basis,
        "seen": list(track.seen),
        "shown": dict(track.shown) if track.shown is not None else None,
    }


def track_from_doc(doc: Any) -> sla.Track:
    facts = (doc.get("extra") or {}).get("sla") or {}
    seen = facts.get("seen") or [None, ""]
    return sla.Track(
        statuses=tuple((parse_iso(at), status) for at, status in facts.get("statuses") or ()),
        first_response_at=_parsed_or_none(facts.get("first_response_at")),
        awaiting_since=_parsed_or_none(facts.get("awaiting_since")),
        answered_at=_parsed_or_none(facts.get("answered_at")),
        arm=facts.get("arm", 0),
        warned=frozenset(facts.get("warned") or ()),
        basis=facts.get("basis", ""),
        seen=(seen[0], seen[1]),
        next_at=_parsed_or_none(doc.get("sla_next_at")),
        due_at=_parsed_or_none(doc.get("sla_due_at")),
        band=doc.get("sla_band"),
        shown=facts.get("shown"),
        listed=doc.get("sla_listed"),
    )


def ticket_from_doc(doc: Any) -> Ticket:
    return Ticket(
        id=UUID(doc["id"]),
        protocol=doc["protocol"] or "",
        title=doc["title"],
        status=Status(doc["status"]),
        priority=doc["priority"],
        level=doc["level"],
        assignee=doc["assignee"],
        tags=tuple(doc["tags"]),
        channel=doc["channel"],
        account=doc["account"],
        thread_key=doc["thread_key"],
        opened_by=doc["opened_by"],
        opened_at=parse_iso(doc["opened_at"]),
        updated_at=parse_iso(doc["updated_at"]),
        previous_ticket_id=UUID(doc["previous_ticket_id"]) if doc["previous_ticket_id"] else None,
        interaction_count=doc["interaction_count"],
        change_count=doc["change_count"],
        version=doc["version"],
        **_extra(doc.get("extra") or {}),
        **_promoted(doc),
        sla=track_from_doc(doc),
    )


def _promoted(doc: Any) -> dict[str, Any]:
    """``removed`` and ``parent_id`` moved out of ``extra``; a document written before that
    (MongoDB documents are not rewritten) still has them there."""
    extra = doc.get("extra") or {}
    removed = doc["removed"] if "removed" in doc else extra.get("removed", False)
    parent = doc["parent_id"] if "parent_id" in doc else extra.get("parent_id")
    return {"removed": bool(removed), "parent_id": UUID(parent) if parent else None}


def _extra(extra: dict[str, Any]) -> dict[str, Any]:
    """Fields added after the first schema, kept in one JSON value so adding another needs
    no new column; a ticket stored before them reads with their defaults."""
    return {
        "team": extra.get("team"),
        "custom_fields": dict(extra.get("custom_fields") or {}),
        "contact": dict(extra.get("contact") or {}),
        "merged_into": UUID(extra["merged_into"]) if extra.get("merged_into") else None,
        "kind": extra.get("kind"),
        "scope": extra.get("scope"),
        "direction": extra.get("direction"),
    }


TICKET_READS = TypeAdapter(list[TicketRead])


def ticket_reads_from_docs(
    docs: list[Any], clocks: Callable[[Any], dict[str, Any] | None] | None = None
) -> list[TicketRead]:
    """The desk's list straight from stored documents, without the domain ticket in between:
    the stored text (ids, times, nested JSON) is handed to pydantic, which parses a whole page
    in one call. Measured on a page of 50 rows, in one process: 2.5–2.8 ms of CPU through
    ``ticket_from_doc`` and ``views.read``, 1.2–1.5 ms this way. The store contract suite
    checks that both give the same tickets. ``clocks`` gives each item's ``sla`` (as JSON),
    validated in the same call rather than as a second pass over the page."""
    fields = [_read_fields(doc) for doc in docs]
    if clocks is not None:
        for item, doc in zip(fields, docs, strict=True):
            item["sla"] = clocks(doc)
    return TICKET_READS.validate_python(fields)


def _read_fields(doc: Any) -> dict[str, Any]:
    extra = doc.get("extra") or {}
    removed = doc["removed"] if "removed" in doc else extra.get("removed", False)
    return {
        "id": doc["id"],
        "protocol": doc["protocol"] or "",
        "title": doc["title"],
        "status": doc["status"],
        "priority": doc["priority"],
        "level": doc["level"],
        "assignee": doc["assignee"],
        "tags": doc["tags"],
        "channel": doc["channel"],
        "account": doc["account"],
        "thread_key": doc["thread_key"],
        "opened_by": doc["opened_by"],
        "opened_at": doc["opened_at"],
        "updated_at": doc["updated_at"],
        "previous_ticket_id": doc["previous_ticket_id"],
        "interaction_count": doc["interaction_count"],
        "change_count": doc["change_count"],
        "team": extra.get("team"),
        "custom_fields": extra.get("custom_fields") or {},
        "contact": extra.get("contact") or {},
        "parent_ticket_id": doc["parent_id"] if "parent_id" in doc else extra.get("parent_id"),
        "merged_into": extra.get("merged_into"),
        "removed": bool(removed),
        "kind": extra.get("kind"),
        "scope": extra.get("scope"),
        "direction": extra.get("direction"),
    }


def protocol_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


def ticket_to_row(ticket: Ticket) -> dict[str, Any]:
    """The document with its nested parts as JSON text, for a relational row."""
    doc = ticket_to_doc(ticket)
    doc["tags"] = json.dumps(doc["tags"])
    doc["extra"] = json.dumps(doc["extra"])
    return doc


def ticket_from_row(row: Any) -> Ticket:
    return ticket_from_doc(doc_from_row(row))


def doc_from_row(row: Any) -> dict[str, Any]:
    doc = dict(row)
    # pydantic's JSON parser: several times faster than json.loads on these small values, and
    # every listed ticket has two of them.
    doc["tags"] = from_json(doc["tags"])
    doc["extra"] = from_json(doc["extra"])
    return doc


def interaction_body(stored: StoredInteraction) -> str:
    """What is stored of an interaction: everything but its ticket, which the store keeps
    beside it (so attaching one is a one-column write)."""
    return stored.model_copy(update={"ticket_id": None}).model_dump_json()


def interaction_from_body(body: str | bytes, ticket_id: str | None) -> StoredInteraction:
    return StoredInteraction.model_validate_json(body).model_copy(
        update={"ticket_id": UUID(ticket_id) if ticket_id else None}
    )


STORED_INTERACTIONS = TypeAdapter(list[StoredInteraction])


def merged_groups(
    person_groups: Mapping[str, list[str]], kept_groups: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """Each author's groups: their person's, then those an earlier version kept per author
    (docs/domain.md F30), each once; authors in no group are left out."""
    merged: dict[str, list[str]] = {}
    for key in {*person_groups, *kept_groups}:
        groups = [*person_groups.get(key, []), *kept_groups.get(key, [])]
        if groups:
            merged[key] = list(dict.fromkeys(groups))
    return merged


def decision_body(decision: TriageDecision | None) -> str | None:
    """A decision worth keeping for the ticket that collects the interaction later: one in
    which some rule fired (an empty one changes nothing)."""
    if decision is None or not decision.matched:
        return None
    return decision.model_dump_json(exclude_defaults=True)


def decision_from_body(body: str | bytes | None) -> TriageDecision | None:
    return TriageDecision.model_validate_json(body) if body else None
