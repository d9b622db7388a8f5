"""Reclame Aqui complaints through the HugMe partner API (CHANNELS.md "Reclame Aqui", marked
unconfirmed there: read from public client code, no official page; every path is relative to
the configurable base URL).

A token from ``POST /api/auth/oauth/token?grant_type=client_credentials`` (HTTP Basic with the
account's ``client_id`` and ``client_secret``), then ``GET /api/ticket/v1/tickets`` with
``last_modification_date[gte]``, ``page[size]`` (≤ 50) and ``page[number]``, within about 10
calls a minute. The page reached is kept in the cursor, so a poll cut short by the per-minute
limit resumes there. A complaint is an interaction (a post of its own thread); the customer's
later messages in ``interactions[]`` are replies in that thread.

Status changes (answered, evaluated, closed by the customer: ``ra_status``, a name or an
object with one; its values are unconfirmed too): a complaint listed again with a status other
than the one the cursor remembers for it is an ``interaction.changed.v1`` of change ``status``
at its ``last_modification_date``. The cursor remembers the statuses of the
``REMEMBERED`` most recently modified complaints; one seen for the first time only is
remembered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from contracts.events import InteractionChangedV1
from contracts.interaction import Author, Channel, Interaction, Kind
from ingestor.pollers.base import Poll

TOKEN = "/api/auth/oauth/token"
TICKETS = "/api/ticket/v1/tickets"
CUSTOMER = {"customer", "consumer", "cliente", "consumidor"}
ACTOR = f"network:{Channel.RECLAME_AQUI.value}"
REMEMBERED = 5000


def status_of(ticket: dict[str, Any]) -> str | None:
    """``ra_status`` as a name: the public client code shows both a plain name and an object
    naming it (unconfirmed), so both are read."""
    value = ticket.get("ra_status")
    if isinstance(value, dict):
        value = value.get("name") or value.get("description") or value.get("id")
    return None if value in (None, "") else str(value)


def _status_change(poll: Poll, statuses: dict[str, list[str]], ticket: dict[str, Any]) -> None:
    """A change when the complaint's status moved since the cursor last saw it."""
    status, modified = status_of(ticket), str(ticket["last_modification_date"])
    if status is None:
        return
    key = str(ticket["id"])
    known = statuses.get(key)
    if known is not None and known[0] != status and _when(modified) >= _when(known[1]):
        poll.found.changes.append(
            InteractionChangedV1(
                key=f"{Channel.RECLAME_AQUI.value}:{key}",
                change="status",
                status=status,
                changed_at=_when(modified),
                actor=ACTOR,
            )
        )
    if known is None or _when(modified) >= _when(known[1]):
        statuses[key] = [status, modified]


def _remembered(statuses: dict[str, list[str]]) -> dict[str, list[str]]:
    """The most recently modified complaints' statuses, so the cursor stays small."""
    newest = sorted(statuses.items(), key=lambda item: _when(item[1][1]), reverse=True)
    return dict(newest[:REMEMBERED])


def _when(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _complaint(poll: Poll, ticket: dict[str, Any]) -> list[Interaction]:
    customer = ticket.get("customer") or {}
    emails = customer.get("email") or []
    who = str(emails[0]) if emails else f"ra:{ticket['id']}"
    author = Author(id=who, name=customer.get("name", ""))
    thread = f"ra:{ticket['id']}"
    found = [
        Interaction(
            channel=Channel.RECLAME_AQUI,
            account=poll.account.id,
            external_id=str(ticket["id"]),
            thread_id=thread,
            kind=Kind.POST,
            author=author,
            text="\n\n".join(
                t for t in (ticket.get("complaint_title"), ticket.get("complaint_content")) if t
            ),
            occurred_at=_when(ticket.get("creation_date") or ticket["last_modification_date"]),
            raw={k: v for k, v in ticket.items() if k not in ("interactions", "customer")},
        )
    ]
    for message in ticket.get("interactions") or []:
        if str(message.get("type", "")).lower() not in CUSTOMER:
            continue  # the company's own answers are sent from here, not received
        found.append(
            Interaction(
                channel=Channel.RECLAME_AQUI,
                account=poll.account.id,
                external_id=f"{ticket['id']}:{message['id']}",
                thread_id=thread,
                parent_id=str(ticket["id"]),
                kind=Kind.REPLY,
                author=author,
                text=message.get("message", ""),
                occurred_at=_when(message["creation_date"]),
                raw=dict(message),
            )
        )
    return found


async def poll(poll: Poll) -> dict[str, Any]:
    state = poll.state
    since = state.get("since", "1970-01-01T00:00:00Z")
    token = await poll.network.call(
        "POST",
        TOKEN,
        params={"grant_type": "client_credentials"},
        auth=httpx.BasicAuth(
            poll.credentials.get("client_id", ""), poll.credentials.get("client_secret", "")
        ),
    )
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    newest = state.get("newest", since)
    statuses: dict[str, list[str]] = dict(state.get("statuses") or {})
    state["statuses"] = statuses
    while True:
        number = int(state.get("page", 1))
        page = await poll.network.get(
            TICKETS,
            params={
                "last_modification_date[gte]": since,
                "page[size]": 50,
                "page[number]": number,
            },
            headers=headers,
        )
        tickets = page.get("data", [])
        for ticket in tickets:
            with poll.found.item(f"complaint {ticket.get('id')}", ticket):
                poll.found.interactions.extend(_complaint(poll, ticket))
                _status_change(poll, statuses, ticket)
                modified = ticket["last_modification_date"]
                if _when(modified) > _when(newest):
                    newest = modified
        # Progress, saved even if the next call is refused: the poll resumes on the next page.
        state["page"], state["newest"] = number + 1, newest
        state["statuses"] = statuses = _remembered(statuses)
        total = int((page.get("meta") or {}).get("total_pages", number))
        if not tickets or number >= total:
            break
    # A complete pass: the next one starts from the newest modification (gte: it is read
    # again, and de-duplicated).
    return {"since": newest, "newest": newest, "statuses": statuses}
