"""Two levels as an attacker would try them (issue #15): alice works level A, bob level B,
each level serves an account of its own and has a ticket, and each account has an interaction
no ticket holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.people import agent, level
from tests.support import create_rule, interaction, post, unique, wait_until


@dataclass
class Side:
    level: str
    account: str
    agent: dict[str, Any]
    ticket: dict[str, Any]
    ticketed: dict[str, Any]
    """The stored interaction of ``ticket``."""
    loose: dict[str, Any]
    """A stored interaction on the level's account that no ticket holds."""
    person: str = ""
    """The id of the person who wrote ``ticketed`` (an author of this level only)."""


@dataclass
class World:
    marker: str
    a: Side
    b: Side


def interactions(gateway: httpx.Client, **filters: Any) -> list[dict[str, Any]]:
    response = gateway.get("/v1/interactions", params={"page_size": 200, **filters})
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def _side(gateway: httpx.Client, ingestor: httpx.Client, marker: str, name: str) -> Side:
    account = unique(f"page-{name}")
    made = level(gateway, accounts=[account])
    person = agent(gateway, levels=[made["name"]])
    keyword = unique("kw").replace("-", "")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": made["name"]}},
        },
    )
    thread, loose_thread, author = unique("post"), unique("post"), unique("author")
    post(
        ingestor,
        interaction(thread=thread, text=f"{keyword} {marker}", account=account, author_id=author),
    )
    post(
        ingestor,
        interaction(thread=loose_thread, text=f"solta {marker}", account=account, author_id=author),
    )

    def both() -> tuple[dict[str, Any], dict[str, Any]] | None:
        found = {i["interaction"]["thread_id"]: i for i in interactions(gateway, text=marker)}
        ticketed, loose = found.get(thread), found.get(loose_thread)
        if ticketed is None or loose is None or ticketed["ticket_id"] is None:
            return None
        return ticketed, loose

    ticketed, loose = wait_until(both, what=f"level {name}'s interactions stored")
    ticket = gateway.get(f"/v1/tickets/{ticketed['ticket_id']}").json()
    assert ticket["level"] == made["name"]
    return Side(made["name"], account, person, ticket, ticketed, loose, person_of(gateway, author))


def person_of(gateway: httpx.Client, author_id: str) -> str:
    """The id of the person holding the author (found by the admin)."""
    found = gateway.get("/v1/people", params={"q": author_id})
    assert found.status_code == 200, found.text
    [person] = found.json()["items"]
    return str(person["id"])


def two_levels(gateway: httpx.Client, ingestor: httpx.Client) -> World:
    marker = unique("acesso").replace("-", "")
    return World(
        marker, _side(gateway, ingestor, marker, "a"), _side(gateway, ingestor, marker, "b")
    )
