"""What hostile or broken input does: refused clearly, dead-lettered with its cause, and
never blocking or losing the good messages around it."""

from __future__ import annotations

import aio_pika
import httpx

from devtools.launcher import Stack
from servicekit.consuming import ERROR_HEADER
from tests.notifier_support import dead_letters, publish_raw
from tests.support import (
    ADMIN_TOKEN,
    create_rule,
    interaction,
    post,
    tickets_of_thread,
    unique,
    wait_until,
)


def test_poison_message_ends_in_the_dlq_with_its_cause_without_blocking_the_queue(
    rabbitmq_url: str, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    marker = unique("poison")
    publish_raw(
        rabbitmq_url,
        "interaction.received.v1",
        b'{"v": 1, "interaction": {"text": "' + marker.encode() + b'"}}',
    )
    keyword = unique("after-poison")
    create_rule(
        gateway,
        {"name": "after poison", "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}},
    )
    thread = unique("post")

    post(ingestor, interaction(thread=thread, text=keyword))

    wait_until(lambda: tickets_of_thread(gateway, thread), what="the good message's ticket")

    def poisoned() -> list[aio_pika.abc.AbstractIncomingMessage]:
        return [
            m for m in dead_letters(rabbitmq_url, "rules.interactions") if marker.encode() in m.body
        ]

    [dead] = wait_until(poisoned, what="the poison message in rules.interactions.dlq")
    assert "invalid InteractionReceivedV1" in str(dead.headers[ERROR_HEADER])
    assert "interaction.channel" in str(dead.headers[ERROR_HEADER])


def test_wrong_or_missing_token_gets_401(stack: Stack) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer not-the-token"},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
    ):
        response = httpx.get(f"{stack.url('gateway')}/v1/tickets", headers=headers)
        assert response.status_code == 401, headers
    for headers in ({}, {"X-Api-Key": "wrong"}):
        response = httpx.post(
            f"{stack.url('ingestor')}/v1/interactions",
            headers=headers,
            json=interaction(thread="t", text="x"),
        )
        assert response.status_code == 401, headers


def test_a_batch_with_one_invalid_item_is_refused_whole_and_nothing_is_published(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("lote")
    create_rule(
        gateway, {"name": "batch", "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    good_thread = unique("post")
    good = interaction(thread=good_thread, text=keyword)
    bad = interaction(thread=unique("post"), text=keyword, rating=9)

    response = ingestor.post("/v1/interactions", json=[good, bad])

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][:2] == ["body", 1]
    # The same good item, sent again alone, is new: the refused batch left nothing behind.
    assert post(ingestor, good) == {"accepted": 1, "duplicates": 0, "pending": 0}
    wait_until(lambda: tickets_of_thread(gateway, good_thread), what="the good item's ticket")


def test_malformed_bodies_are_refused_with_a_reason(ingestor: httpx.Client) -> None:
    cases = {
        "not json": b"{oops",
        "empty batch": b"[]",
        "wrong type": b'"hello"',
        "too many": b"[" + b",".join([b"{}"] * 1001) + b"]",
    }
    for name, body in cases.items():
        response = ingestor.post(
            "/v1/interactions", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, name
        assert response.json()["detail"][0]["msg"], name


def test_an_oversized_body_is_refused_before_it_is_read(ingestor: httpx.Client) -> None:
    response = ingestor.post(
        "/v1/interactions",
        content=b"[" + b" " * (33 * 1024 * 1024) + b"]",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_invalid_rule_is_refused_with_a_readable_reason(gateway: httpx.Client) -> None:
    response = gateway.post(
        "/v1/rules",
        json={"name": "typo", "when": {"text_anyy": ["x"]}, "then": {"add_tags": ["x"]}},
    )
    assert response.status_code == 422
    assert "text_anyy" in response.text
