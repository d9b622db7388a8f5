"""The ticket list through the gateway pages by cursor, and refuses a forged one."""

from __future__ import annotations

import httpx

from tests.support import create_rule, interaction, post, tickets, unique, wait_until


def test_the_ticket_list_pages_by_cursor_to_the_last_page(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    tag = unique("pagingtag")
    create_rule(
        gateway,
        {
            "name": "paging",
            "when": {"text_any": [tag]},
            "then": {"open_ticket": {}, "add_tags": [tag]},
        },
    )
    post(ingestor, [interaction(thread=unique("post"), text=tag) for _ in range(3)])
    wait_until(lambda: len(tickets(gateway, tag=tag)) == 3, what="three tagged tickets")

    seen, cursor, pages = [], None, 0
    while True:
        params = {"tag": tag, "page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = gateway.get("/v1/tickets", params=params).json()
        assert (page["total"], page["total_exact"]) == (3, True)
        seen += [t["id"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
    assert sorted(seen) == sorted(t["id"] for t in tickets(gateway, tag=tag))
    assert gateway.get("/v1/tickets", params={"cursor": "forged"}).status_code == 422
