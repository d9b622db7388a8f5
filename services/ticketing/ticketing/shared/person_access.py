"""Who may see a person: admins everyone; agents the people who wrote in a ticket they may
see (one indexed interaction lookup per identity). A person an agent may not see is 404 to
them, as if it did not exist."""

from __future__ import annotations

from uuid import UUID

from contracts.persons import Identity
from contracts.rpc import Caller
from contracts.tickets import InteractionQuery
from servicekit import rpc
from ticketing.domain.access import Visibility
from ticketing.domain.persons import PersonRecord
from ticketing.shared import access
from ticketing.store.port import TicketStore


def identity_query(
    identity: Identity, *, page_size: int, has_ticket: bool | None = None
) -> InteractionQuery:
    return InteractionQuery(
        channel=[identity.channel],
        author=[identity.author_id],
        has_ticket=has_ticket,
        page_size=page_size,
    )


async def sees(store: TicketStore, person: PersonRecord, seen: Visibility | None) -> bool:
    if seen is None:
        return True
    for identity in person.identities:
        found = await store.list_interactions(
            identity_query(identity, page_size=1, has_ticket=True), visible=seen
        )
        if found.items:
            return True
    return False


async def find_person(store: TicketStore, person_id: UUID, caller: Caller) -> PersonRecord:
    person = await store.get_person(person_id)
    if person is None or not await sees(
        store, person, await access.interaction_visibility(store, caller)
    ):
        raise rpc.NotFound(f"no person {person_id}")
    return person
