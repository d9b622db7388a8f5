"""Canned responses over every store adapter: a shortcut is unique within its scope even when
two agents save it at the same moment, each scope is seen by whom it should be, and the
placeholders are checked when saved and filled when used."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from contracts.canned import CannedCreate, CannedQuery, CannedRead
from contracts.rpc import Caller
from servicekit import rpc
from ticketing.domain import canned as placeholders
from ticketing.shared.access import Forbidden
from ticketing.store.port import TicketStore
from ticketing.usecases import canned

ANA, BIA = Caller(id="ana"), Caller(id="bia")
ADMIN = Caller(id="root", role="admin")


async def desk(store: TicketStore) -> None:
    await store.create_entry("level", "N1", {"name": "N1"})
    await store.create_entry("level", "N2", {"name": "N2"})
    for agent_id, level in (("ana", "N1"), ("bia", "N2")):
        await store.create_entry(
            "agent",
            agent_id,
            {
                "id": agent_id,
                "name": agent_id.title(),
                "email": f"{agent_id}@example.com",
                "language": "en",
                "active": True,
                "levels": [level],
                "teams": [],
            },
        )


def body(shortcut: str = "thanks", **fields: object) -> CannedCreate:
    return CannedCreate.model_validate({"shortcut": shortcut, "text": "Thanks!", **fields})


async def test_two_agents_saving_one_shortcut_in_one_scope_at_once_keep_one(
    store: TicketStore,
) -> None:
    await desk(store)
    level = body(scope="level", scope_key="N1")
    results = await asyncio.gather(
        canned.create_canned(store=store, body=level, caller=ANA),
        canned.create_canned(store=store, body=level, caller=ADMIN),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["CannedRead", "Conflict"]
    other_scope = await canned.create_canned(store=store, body=body(), caller=ANA)
    assert other_scope.scope == "personal" and other_scope.scope_key == "ana"


async def test_each_scope_is_seen_and_written_by_its_people(store: TicketStore) -> None:
    await desk(store)
    mine = await canned.create_canned(store=store, body=body("mine"), caller=ANA)
    n1 = await canned.create_canned(
        store=store, body=body("n1", scope="level", scope_key="N1"), caller=ANA
    )
    everyone = await canned.create_canned(
        store=store, body=body("all", scope="global"), caller=ADMIN
    )
    with pytest.raises(Forbidden):
        await canned.create_canned(store=store, body=body("x", scope="global"), caller=ANA)
    with pytest.raises(Forbidden):
        await canned.create_canned(
            store=store, body=body("x", scope="level", scope_key="N1"), caller=BIA
        )

    def ids(found: list[CannedRead]) -> set[str]:
        return {str(c.id) for c in found}

    ana_sees = await canned.list_canned(store=store, query=CannedQuery(), caller=ANA)
    bia_sees = await canned.list_canned(store=store, query=CannedQuery(), caller=BIA)
    assert ids(ana_sees) == {str(mine.id), str(n1.id), str(everyone.id)}
    assert ids(bia_sees) == {str(everyone.id)}
    with pytest.raises(rpc.NotFound):
        await canned.get_canned(store=store, canned_id=mine.id, caller=BIA)
    by_start = await canned.list_canned(store=store, query=CannedQuery(shortcut="/n"), caller=ANA)
    assert [c.shortcut for c in by_start] == ["n1"]
    await canned.delete_canned(store=store, canned_id=n1.id, caller=ANA)
    again = await canned.create_canned(
        store=store, body=body("n1", scope="level", scope_key="N1"), caller=ANA
    )
    assert again.id != n1.id  # the shortcut was freed with its response
    with pytest.raises(rpc.NotFound):
        await canned.get_canned(store=store, canned_id=uuid4(), caller=ANA)


async def test_an_unknown_placeholder_is_refused_when_saved(store: TicketStore) -> None:
    await desk(store)
    with pytest.raises(rpc.Invalid, match="cpf"):
        await canned.create_canned(store=store, body=body(text="Hi {{ cpf }}"), caller=ANA)


@pytest.mark.parametrize(
    "text",
    ["{{ customer_name.__class__ }}", "{% for x in y %}{% endfor %}", "{{ level }} {# x #}"],
)
def test_template_syntax_beyond_the_placeholders_is_refused(text: str) -> None:
    with pytest.raises(placeholders.PlaceholderRefused):
        placeholders.placeholders_in(text)


def test_placeholders_are_filled_and_a_missing_value_leaves_nothing() -> None:
    text = "Hi {{customer_name}}, ticket {{ protocol }} ({{ level }})"
    assert placeholders.placeholders_in(text) == ["customer_name", "protocol", "level"]
    filled = placeholders.fill(text, {"customer_name": "Maria", "protocol": "2026-000001"})
    assert filled == "Hi Maria, ticket 2026-000001 ()"
