"""Every way the real services refuse a value reaches the client as the one 422 shape the
OpenAPI documents (HTTPValidationError), whichever part refused it: the gateway's request
validation, a service's contract check, or a service's own rule (issue 9). Other refusals
keep a plain reason."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support import interaction, invalid, unique, wait_until

Case = Callable[[httpx.Client], httpx.Response]

CASES: dict[str, tuple[Case, tuple[str | int, ...] | None]] = {
    # case: (request, where the refused value is, when the shape can say it)
    "a query parameter out of range (gateway)": (
        lambda g: g.get("/v1/tickets", params={"page_size": 1000}),
        ("query", "page_size"),
    ),
    "a body field of the wrong type (gateway)": (
        lambda g: g.post("/v1/levels", json={"name": 5}),
        ("body", "name"),
    ),
    "a level whose default priority is not on the scale (ticketing)": (
        lambda g: g.post("/v1/levels", json={"name": unique("l"), "default_priority": "asap"}),
        ("body", "default_priority"),
    ),
    "an agent in a level that does not exist (ticketing)": (
        lambda g: g.post(
            "/v1/agents",
            json={"id": unique("a"), "name": "A", "email": "a@example.com", "levels": ["no"]},
        ),
        ("body", "levels"),
    ),
    "a rule whose priority is not on the scale (rules asking ticketing)": (
        lambda g: g.post(
            "/v1/rules",
            json={"name": "r", "when": {"text_any": ["x"]}, "then": {"set_priority": "asap"}},
        ),
        ("body", "then", "set_priority"),
    ),
    "a rule whose text expression cannot be read (rules)": (
        lambda g: g.post(
            "/v1/rules",
            json={"name": "r", "when": {"text_expression": '"open'}, "then": {}},
        ),
        None,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_every_refused_value_has_the_documented_shape(gateway: httpx.Client, name: str) -> None:
    request, where = CASES[name]
    refused = invalid(request(gateway))
    if where is not None:
        assert where in refused, refused


def test_a_quick_ticket_and_an_edit_with_an_unknown_priority_are_refused_in_the_same_shape(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    text = unique("sem-regra")  # no rule matches: the interaction stays without a ticket
    ingestor.post("/v1/interactions", json=interaction(thread=unique("post"), text=text))
    [stored] = wait_until(
        lambda: gateway.get("/v1/interactions", params={"text": text}).json()["items"],
        what="the stored interaction",
    )
    quick = gateway.post("/v1/tickets", json={"interaction_id": stored["id"], "priority": "asap"})
    assert "asap" in invalid(quick)[("body", "priority")]
    opened = gateway.post("/v1/tickets", json={"interaction_id": stored["id"]})
    assert opened.status_code == 201, opened.text

    edit = gateway.patch(f"/v1/tickets/{opened.json()['id']}", json={"priority": "asap"})

    assert any("asap" in reason for reason in invalid(edit).values())


def test_other_refusals_keep_a_plain_reason(gateway: httpx.Client) -> None:
    missing = gateway.get("/v1/rules/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and isinstance(missing.json()["detail"], str)
