"""The Reclame Aqui poller against the fake HugMe in process: a complaint listed again with
another ``ra_status`` is a status change (once, and never for an older report), whether the
status is a name or an object naming it; a complaint seen for the first time is no change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from contracts.accounts import AccountHealth, AccountRead, Collect
from contracts.interaction import Channel
from devtools.fakenets.app import create_app
from devtools.fakenets.state import FakeState
from ingestor.pollers import reclameaqui
from ingestor.pollers.base import Found, Poll
from ingestor.pollers.http import Network, Quota
from servicekit.clock import ManualClock

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CLIENT = "acme-client"


class Company:
    def __init__(self) -> None:
        self.state = FakeState()
        self.app = create_app(self.state)
        self.cursor: dict[str, Any] = {}

    async def fake(self, method: str, path: str, body: Any) -> None:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
            (await client.request(method, path, json=body)).raise_for_status()

    async def complain(self, ticket_id: int, status: Any, modified: str) -> None:
        ticket = {
            "id": ticket_id,
            "complaint_title": "Produto não entregue",
            "complaint_content": "Comprei e não chegou",
            "customer": {"name": "Ana", "email": ["ana@example.com"]},
            "ra_status": status,
            "interactions": [],
            "creation_date": "2026-11-29T10:00:00Z",
            "last_modification_date": modified,
        }
        added = {"client_id": CLIENT, "ticket": ticket}
        await self.fake("POST", "/_fake/reclameaqui/tickets", added)

    async def poll(self) -> Found:
        account = AccountRead(
            id="acc-ra",
            channel=Channel.RECLAME_AQUI,
            network_id="acme",
            name="Acme",
            collect=[Collect.REVIEWS],
            active=True,
            has_credentials=True,
            health=AccountHealth(),
            created_at=NOW,
            updated_at=NOW,
        )
        found = Found()
        credentials = {"client_id": CLIENT, "client_secret": "s"}
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
            network = Network(client, Quota(None, "minute", {}), ManualClock(NOW))
            poll = Poll(account, credentials, dict(self.cursor), network, found, NOW)
            self.cursor = await reclameaqui.poll(poll)
        return found


def statuses(found: Found) -> list[tuple[str, str | None, str]]:
    changes = [c for c in found.changes if c.change == "status"]
    return [(c.key, c.status, c.changed_at.isoformat()) for c in changes]


async def test_an_answered_then_evaluated_complaint_is_two_status_changes() -> None:
    ra = Company()
    await ra.complain(7, "Não respondida", "2026-11-29T10:00:00Z")
    first = await ra.poll()
    assert [i.external_id for i in first.interactions] == ["7"] and first.changes == []
    patch = {"ra_status": "Respondida", "last_modification_date": "2026-11-29T11:00:00Z"}
    await ra.fake("PATCH", "/_fake/reclameaqui/tickets/7", patch)
    assert statuses(await ra.poll()) == [
        ("reclame_aqui:7", "Respondida", "2026-11-29T11:00:00+00:00")
    ]
    assert statuses(await ra.poll()) == []  # listed again (gte): no news
    evaluated = {"ra_status": {"id": 5, "name": "Avaliada"}}
    await ra.fake("PATCH", "/_fake/reclameaqui/tickets/7", evaluated)
    [(key, status, _)] = statuses(await ra.poll())
    assert (key, status) == ("reclame_aqui:7", "Avaliada")


async def test_a_complaint_first_seen_with_any_status_is_no_change() -> None:
    ra = Company()
    await ra.complain(8, "Encerrada", "2026-11-29T10:00:00Z")
    await ra.complain(9, None, "2026-11-29T10:00:00Z")
    assert (await ra.poll()).changes == []
    assert set(ra.cursor["statuses"]) == {"8"}
