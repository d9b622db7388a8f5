"""Views, board, filters and search through the gateway on the real bus (issue 13, items 3,
4 and 6): each built-in view holds what its name says, a view shared with a level is seen by
that level's agents only, counts equal the tickets listed, and search finds words without
their accents, ranks a title above a text and never shows another level's ticket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from devtools.launcher import Stack
from tests.people import agent, as_agent, level
from tests.support import create_rule, interaction, post, unique, wait_until


@dataclass
class Desk:
    """A level of its own with its agent, and tickets in every state the views name."""

    level: str
    account: str
    keyword: str
    ana: dict[str, Any]
    tickets: dict[str, dict[str, Any]]


def _open(
    gateway: httpx.Client, ingestor: httpx.Client, keyword: str, account: str, text: str, **kw: Any
) -> dict[str, Any]:
    thread = unique("thread")
    post(ingestor, interaction(thread=thread, text=f"{keyword} {text}", account=account, **kw))

    def opened() -> dict[str, Any] | None:
        found = gateway.get("/v1/tickets", params={"account": account, "page_size": 200}).json()
        return next(
            (t for t in found["items"] if t["thread_key"].endswith(f":thread:{thread}")), None
        )

    return wait_until(opened, what=f"a ticket for {text!r}")


def _patch(gateway: httpx.Client, ticket: dict[str, Any], **change: Any) -> dict[str, Any]:
    response = gateway.patch(f"/v1/tickets/{ticket['id']}", json=change)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def desk(stack: Stack, gateway: httpx.Client, ingestor: httpx.Client) -> Desk:
    account = unique("page")
    made = level(gateway, accounts=[account])["name"]
    ana = agent(gateway, levels=[made])
    keyword = unique("kw").replace("-", "")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": made}},
        },
    )
    opened = {
        name: _open(gateway, ingestor, keyword, account, name)
        for name in ("new", "urgent", "mine", "hold", "waiting", "closed")
    }
    # The level's only agent got every ticket: all but one are given back.
    made_tickets = {
        "new": _patch(gateway, opened["new"], assignee=None),
        "urgent": _patch(
            gateway, opened["urgent"], status="open", priority="urgent", assignee=None
        ),
        "mine": _patch(gateway, opened["mine"], status="open", assignee=ana["id"]),
        "hold": _patch(gateway, opened["hold"], status="on_hold", assignee=None),
        "waiting": _patch(
            gateway, opened["waiting"], status="open", tags=["Waiting_Opinion"], assignee=None
        ),
        "closed": _patch(gateway, opened["closed"], status="closed", assignee=None),
    }
    return Desk(made, account, keyword, ana, made_tickets)


def _ids(page: dict[str, Any]) -> set[str]:
    return {t["id"] for t in page["items"]}


def test_each_built_in_view_holds_what_its_name_says_and_counts_what_it_lists(
    gateway: httpx.Client, desk: Desk
) -> None:
    t = {name: ticket["id"] for name, ticket in desk.tickets.items()}
    expected = {
        "builtin:open": {t["new"], t["urgent"], t["mine"], t["hold"], t["waiting"]},
        "builtin:mine": {t["mine"]},
        "builtin:new": {t["new"]},
        "builtin:urgent": {t["urgent"]},
        "builtin:on_hold": {t["hold"]},
        "builtin:waiting_opinion": {t["waiting"]},
        f"builtin:level:{desk.level}": {t["new"], t["urgent"], t["mine"], t["hold"], t["waiting"]},
    }
    with as_agent(gateway, desk.ana["id"]) as ana:
        listed = ana.get("/v1/views")
        assert listed.status_code == 200, listed.text
        counts = {v["id"]: v["count"] for v in listed.json()}
        for view_id, ids in expected.items():
            page = ana.get(f"/v1/views/{view_id}/tickets", params={"page_size": 200})
            assert page.status_code == 200, page.text
            assert _ids(page.json()) == ids, view_id
            assert counts[view_id] == page.json()["total"] == len(ids), view_id
        # Only the agent's own level has a per-level view.
        assert [v for v in counts if v.startswith("builtin:level:")] == [
            f"builtin:level:{desk.level}"
        ]


def test_the_board_groups_a_views_tickets_by_status(gateway: httpx.Client, desk: Desk) -> None:
    t = {name: ticket["id"] for name, ticket in desk.tickets.items()}
    with as_agent(gateway, desk.ana["id"]) as ana:
        board = ana.get(f"/v1/views/builtin:level:{desk.level}/board")
        assert board.status_code == 200, board.text
    columns = {c["status"]: c for c in board.json()["columns"]}
    assert list(columns) == ["new", "open", "pending", "on_hold"]
    assert {s: _ids(c) for s, c in columns.items()} == {
        "new": {t["new"]},
        "open": {t["urgent"], t["mine"], t["waiting"]},
        "pending": set(),
        "on_hold": {t["hold"]},
    }
    assert all(c["count"] == len(c["items"]) for c in columns.values())
    assert board.json()["view"]["count"] == 5
    with as_agent(gateway, desk.ana["id"]) as ana:
        column = ana.get(
            f"/v1/views/builtin:level:{desk.level}/tickets", params={"status": "open"}
        ).json()
        assert _ids(column) == _ids(columns["open"]) and column["total"] == 3
        # A status the view does not hold is not let in through a column.
        closed = ana.get(
            f"/v1/views/builtin:level:{desk.level}/tickets", params={"status": "closed"}
        ).json()
        assert closed["items"] == [] and closed["total"] == 0


def test_a_view_shared_with_a_level_is_seen_by_its_agents_only(
    gateway: httpx.Client, desk: Desk
) -> None:
    other = agent(gateway, levels=[level(gateway)["name"]])
    shared = gateway.post(
        "/v1/views",
        json={
            "name": "Em espera",
            "filters": {"status": ["on_hold"], "account": [desk.account]},
            "shared_with": [desk.level],
        },
    )
    assert shared.status_code == 201, shared.text
    view_id = shared.json()["id"]
    with as_agent(gateway, desk.ana["id"]) as ana, as_agent(gateway, other["id"]) as bob:
        assert view_id in {v["id"] for v in ana.get("/v1/views").json()}
        page = ana.get(f"/v1/views/{view_id}/tickets").json()
        assert _ids(page) == {desk.tickets["hold"]["id"]}
        assert view_id not in {v["id"] for v in bob.get("/v1/views").json()}
        assert bob.get(f"/v1/views/{view_id}/tickets").status_code == 403
        assert bob.get(f"/v1/views/{view_id}").status_code == 403
        # Bob's own view stays his, and he cannot share with a level he is not in.
        own = bob.post("/v1/views", json={"name": "minha", "filters": {"priority": ["low"]}})
        assert own.status_code == 201, own.text
        assert own.json()["id"] not in {v["id"] for v in ana.get("/v1/views").json()}
        refused = bob.post("/v1/views", json={"name": "x", "shared_with": [desk.level]})
        assert refused.status_code == 403, refused.text
        assert ana.delete(f"/v1/views/{view_id}").status_code == 403
        renamed = bob.put(
            f"/v1/views/{own.json()['id']}",
            json={"name": "baixa", "filters": {"priority": ["low"], "kind": ["post"]}},
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["filters"]["kind"] == ["post"]
        assert [v["name"] for v in bob.get("/v1/views").json() if not v["builtin"]] == ["baixa"]
    assert gateway.delete(f"/v1/views/{view_id}").status_code == 204
    assert gateway.get(f"/v1/views/{view_id}").status_code == 404


def test_the_list_filters_on_every_field_and_sorts(gateway: httpx.Client, desk: Desk) -> None:
    t = desk.tickets
    mine = t["mine"]
    by_protocol = gateway.get("/v1/tickets", params={"protocol": mine["protocol"][-6:]}).json()
    assert mine["id"] in _ids(by_protocol)
    assert t["new"]["id"] not in _ids(by_protocol)
    on_account = {"account": desk.account, "page_size": 200}
    assert len(_ids(gateway.get("/v1/tickets", params=on_account).json())) == 6
    for field, value, count in (
        ("kind", "comment", 6),
        ("kind", "post", 0),
        ("scope", "public", 6),
        ("scope", "private", 0),
        ("direction", "inbound", 6),
        ("direction", "outbound", 0),
        ("opened_from", "2000-01-01T00:00:00Z", 6),
        ("updated_to", "2000-01-01T00:00:00Z", 0),
    ):
        found = gateway.get("/v1/tickets", params={**on_account, field: value})
        assert found.status_code == 200, found.text
        assert len(found.json()["items"]) == count, (field, value)
    words = gateway.get("/v1/tickets", params={**on_account, "text": "HOLD"}).json()
    assert _ids(words) == {t["hold"]["id"]}
    by_priority = gateway.get("/v1/tickets", params={**on_account, "sort": "priority"}).json()
    assert by_priority["items"][0]["id"] == t["urgent"]["id"]
    oldest = gateway.get(
        "/v1/tickets", params={**on_account, "sort": "opened", "order": "asc", "page_size": 1}
    ).json()
    assert oldest["items"][0]["id"] == t["new"]["id"]
    second = gateway.get(
        "/v1/tickets",
        params={
            **on_account,
            "sort": "opened",
            "order": "asc",
            "page_size": 1,
            "cursor": oldest["next_cursor"],
        },
    ).json()
    assert second["items"][0]["id"] == t["urgent"]["id"]
    with as_agent(gateway, desk.ana["id"]) as ana:
        own = ana.get("/v1/tickets", params={"assignee": "mine"}).json()
        assert _ids(own) == {mine["id"]}
    # A bulk change's filter takes the new fields, whatever order it names.
    bulk = gateway.post(
        "/v1/tickets/bulk",
        json={
            "filter": {"account": [desk.account], "status": ["on_hold"], "sort": "priority"},
            "change": {"add_tags": ["lote"]},
        },
    )
    assert bulk.status_code == 200, bulk.text
    assert [(r["ref"], r["ok"]) for r in bulk.json()["results"]] == [(t["hold"]["id"], True)]
    bad = gateway.get("/v1/tickets", params={"sort": "colour"})
    assert bad.status_code == 422, bad.text


def test_search_finds_words_without_accents_ranks_titles_first_and_marks_the_words(
    gateway: httpx.Client, ingestor: httpx.Client, desk: Desk
) -> None:
    marker = unique("mk").replace("-", "")
    titled = _open(gateway, ingestor, desk.keyword, desk.account, f"Reclamação {marker}")
    bodied = _open(gateway, ingestor, desk.keyword, desk.account, "outro assunto")
    post(
        ingestor,
        interaction(
            thread=bodied["thread_key"].rsplit(":thread:", 1)[1],
            text=f"e aqui uma longa reclamação {marker} no corpo da conversa",
            account=desk.account,
        ),
    )

    def both_found() -> list[dict[str, Any]] | None:
        found = gateway.get("/v1/search", params={"q": f"reclamacao {marker}"})
        assert found.status_code == 200, found.text
        items = found.json()["items"]
        return items if {i["ticket_id"] for i in items} >= {titled["id"], bodied["id"]} else None

    items = wait_until(both_found, what="both tickets found")
    assert (items[0]["kind"], items[0]["ticket_id"], items[0]["field"]) == (
        "ticket",
        titled["id"],
        "title",
    )
    assert "<mark>Reclamação</mark>" in items[0]["highlight"]
    assert f"<mark>{marker}</mark>" in items[0]["highlight"]
    body = next(i for i in items if i["ticket_id"] == bodied["id"])
    assert body["field"] == "text" and "<mark>reclamação</mark>" in body["highlight"]
    assert body["score"] < items[0]["score"]
    with as_agent(gateway, desk.ana["id"]) as ana:
        assert {
            i["ticket_id"] for i in ana.get("/v1/search", params={"q": marker}).json()["items"]
        } >= {titled["id"], bodied["id"]}
    other = agent(gateway, levels=[level(gateway)["name"]])
    with as_agent(gateway, other["id"]) as bob:
        found = bob.get("/v1/search", params={"q": f"reclamacao {marker}"})
        assert found.status_code == 200, found.text
        assert found.json()["items"] == []
    assert gateway.get("/v1/search", params={"q": "!!"}).status_code == 422
