"""A new interaction stored by the ticket write that places it (``Recording``): what triage
does for every interaction that arrives, in one transaction on SQLite instead of two."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from contracts.interaction import Interaction
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import StoredInteraction
from ticketing.domain.threading import thread_key
from ticketing.store.port import AlreadyRecorded, Recording, StaleTicket, TicketStore

from .test_store_contract import T0, Opening, follow_up_of, message, open_for, record


def recording(interaction: Interaction, **decision: object) -> Recording:
    stored = StoredInteraction(id=uuid4(), ticket_id=None, received_at=T0, interaction=interaction)
    return Recording(stored, thread_key(interaction), TriageDecision.model_validate(decision))


async def test_a_follow_up_is_stored_and_attached_by_the_one_update(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    new = recording(message("post-1", minutes=5))
    change = follow_up_of(ticket, new.stored)
    updated = await store.update_ticket(
        change.ticket,
        expected_version=ticket.version,
        interaction_id=new.stored.id,
        history=change.history,
        events=[change.event],
        recording=new,
    )
    assert updated.interaction_count == 2
    found = await store.interaction_by_key(new.stored.interaction.key)
    assert found is not None and (found.id, found.ticket_id) == (new.stored.id, ticket.id)
    assert [s.id for s in await store.interactions_of(ticket.id)][-1] == new.stored.id


async def test_an_opening_stores_its_interaction_and_collects_the_waiting_ones(
    store: TicketStore,
) -> None:
    waiting = await record(store, message("post-1", minutes=1))
    opener = recording(message("post-1", minutes=2), open_ticket=OpenTicket().model_dump())
    opening = Opening(opener.stored.interaction, now=T0 + timedelta(minutes=2))
    ticket = await store.create_ticket(
        opening.ticket,
        year=2026,
        interaction_id=opener.stored.id,
        history=opening.make_history,
        announce=opening.announce,
        recording=opener,
    )
    assert ticket.interaction_count == 2
    stored = [s.id for s in await store.interactions_of(ticket.id)]
    assert stored == [waiting.id, opener.stored.id]


async def test_an_interaction_stored_meanwhile_is_refused_and_the_ticket_is_left_alone(
    store: TicketStore,
) -> None:
    """A redelivery running beside the first delivery: the second write finds the key taken
    and changes nothing; triage reads again and finds the interaction on its ticket."""
    ticket = await open_for(store, message("post-1"))
    interaction = message("post-1", minutes=5)
    first, second = recording(interaction), recording(interaction)
    change = follow_up_of(ticket, first.stored)
    await store.update_ticket(
        change.ticket,
        expected_version=ticket.version,
        interaction_id=first.stored.id,
        history=change.history,
        events=[change.event],
        recording=first,
    )
    current = await store.get_ticket(ticket.id)
    again = follow_up_of(current, second.stored)  # type: ignore[arg-type]
    with pytest.raises(AlreadyRecorded):
        await store.update_ticket(
            again.ticket,
            expected_version=current.version,  # type: ignore[union-attr]
            interaction_id=second.stored.id,
            history=again.history,
            events=[again.event],
            recording=second,
        )
    assert await store.get_ticket(ticket.id) == current
    assert len(await store.interactions_of(ticket.id)) == 2


async def test_a_stale_update_with_a_recording_leaves_the_retry_free_to_place_it(
    store: TicketStore,
) -> None:
    """SQLite rolls the interaction back with the refused update; MongoDB (no multi-document
    transactions) keeps it stored, unticketed. Either way the retry places it once."""
    ticket = await open_for(store, message("post-1"))
    new = recording(message("post-1", minutes=5))
    change = follow_up_of(ticket, new.stored)
    with pytest.raises(StaleTicket):
        await store.update_ticket(
            change.ticket,
            expected_version=ticket.version + 1,
            interaction_id=new.stored.id,
            history=change.history,
            events=[change.event],
            recording=new,
        )
    known = await store.interaction_by_key(new.stored.interaction.key)
    assert known is None or (known.id, known.ticket_id) == (new.stored.id, None)
    retried = await store.update_ticket(
        change.ticket,
        expected_version=ticket.version,
        interaction_id=new.stored.id,
        history=change.history,
        events=[change.event],
        recording=None if known else new,
    )
    assert retried.interaction_count == 2
    assert [s.id for s in await store.interactions_of(ticket.id)][-1] == new.stored.id


async def test_an_unknown_key_finds_nothing(store: TicketStore) -> None:
    assert await store.interaction_by_key("facebook:nothing-here") is None


async def test_one_interaction_delivered_to_two_replicas_at_once_goes_on_its_ticket_once(
    store: TicketStore,
) -> None:
    # Imported here: the use case's test needs a publisher that is never reached.
    import asyncio

    from contracts.events import InteractionTriagedV1
    from servicekit.keyed_locks import KeyedLocks
    from ticketing.usecases import triage

    from .test_domain import SCALE
    from .test_sharing import OFFLINE

    opener = InteractionTriagedV1(
        interaction=message("post-1"), decision=TriageDecision(open_ticket=OpenTicket())
    )
    await triage.handle_triaged(
        store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=opener, now=T0
    )
    follow_up = InteractionTriagedV1(
        interaction=message("post-1", minutes=5), decision=TriageDecision()
    )
    # Two replicas: each has its own locks, so only the store keeps them apart.
    await asyncio.gather(
        *(
            triage.handle_triaged(
                store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=follow_up
            )
            for _ in range(2)
        )
    )
    ticket = await store.active_ticket(thread_key(opener.interaction))
    assert ticket is not None and ticket.interaction_count == 2
    added = [e for e in await store.history_of(ticket.id) if e.action == "interaction_added"]
    assert len(added) == 1


async def test_a_message_stored_while_another_replica_opens_its_ticket_joins_that_ticket(
    store: TicketStore,
) -> None:
    """A message no rule opens a ticket for, read by one replica (no ticket yet) while another
    replica opens the conversation's ticket, is stored after that opening collected the
    conversation's messages: it must still end up on the ticket."""
    import asyncio
    from typing import Any

    from contracts.events import InteractionTriagedV1
    from servicekit.keyed_locks import KeyedLocks
    from ticketing.usecases import triage

    from .test_domain import SCALE
    from .test_sharing import OFFLINE

    opener = InteractionTriagedV1(
        interaction=message("post-1"), decision=TriageDecision(open_ticket=OpenTicket())
    )
    reply = InteractionTriagedV1(
        interaction=message("post-1", minutes=1), decision=TriageDecision()
    )

    class OpenedInBetween:
        """The store as the reply's replica sees it: the other replica opens the ticket just
        after this one found the conversation without one."""

        def __init__(self) -> None:
            self.opened = False

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        async def latest_ticket(self, key: str) -> Any:
            found = await store.latest_ticket(key)
            if not self.opened:
                self.opened = True
                await triage.handle_triaged(
                    store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=opener
                )
            return found

    await asyncio.wait_for(
        triage.handle_triaged(
            store=OpenedInBetween(),  # type: ignore[arg-type]
            publisher=OFFLINE,
            scale=SCALE,
            locks=KeyedLocks(),
            event=reply,
        ),
        timeout=10,
    )
    ticket = await store.active_ticket(thread_key(opener.interaction))
    assert ticket is not None and ticket.interaction_count == 2
    stored = await store.interaction_by_key(reply.interaction.key)
    assert stored is not None and stored.ticket_id == ticket.id
