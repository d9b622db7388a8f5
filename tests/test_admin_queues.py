"""Queues for operators (issue 9): every queue's depth and consumers, dead letters listed with
their cause without losing or reordering them, and replays that put them back on their queue
and never repeat an effect that already happened."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
import pytest

from contracts import topology
from contracts.events import InteractionReceivedV1, NotificationRequestedV1
from contracts.interaction import Interaction
from devtools import dlq
from devtools.launcher import Stack
from servicekit.consuming import ATTEMPT_HEADER
from tests.notifier_support import publish, publish_raw, start_mail_sink, stop_mail_sink
from tests.people import agent, as_agent
from tests.support import (
    ADMIN_TOKEN,
    create_rule,
    interaction,
    mails_to,
    post,
    tickets_of_thread,
    unique,
    wait_until,
)
from tests.test_notifier_delivery import notification

NOTIFICATIONS = topology.NOTIFIER_NOTIFICATIONS.name


def dead_letters(gateway: httpx.Client, queue: str, **params: Any) -> dict[str, Any]:
    response = gateway.get(f"/v1/admin/dlq/{queue}", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def replay(gateway: httpx.Client, queue: str, **body: Any) -> dict[str, Any]:
    response = gateway.post(f"/v1/admin/dlq/{queue}/replay", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def queue_rows(gateway: httpx.Client) -> dict[str, dict[str, Any]]:
    response = gateway.get("/v1/admin/queues")
    assert response.status_code == 200, response.text
    return {q["name"]: q for q in response.json()["queues"]}


def dead_lettered_by_rabbitmq(event: Any, queue: str) -> aio_pika.Message:
    """``event`` as RabbitMQ dead-letters a message a consumer kept crashing on: the
    publisher's message id, no Socialdesk headers, the story in ``x-death``."""
    return aio_pika.Message(
        event.model_dump_json().encode(),
        message_id=str(event.id),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers={
            "x-death": [
                {
                    "reason": "delivery_limit",
                    "queue": queue,
                    "exchange": topology.EVENTS_EXCHANGE,
                    "routing-keys": [event.routing_key],
                    "count": 1,
                    "time": datetime.now(UTC).replace(microsecond=0),
                }
            ]
        },
    )


def put_in_dlq(url: str, queue: str, message: aio_pika.Message) -> None:
    async def send() -> None:
        async with await aio_pika.connect(url) as connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(topology.DEAD_LETTER_EXCHANGE)
            await exchange.publish(message, routing_key=queue)

    asyncio.run(send())


def publish_after_its_retries(url: str, event: NotificationRequestedV1) -> None:
    """As if ``event`` had already been retried as often as the policy allows."""

    async def send() -> None:
        async with await aio_pika.connect(url) as connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(topology.EVENTS_EXCHANGE)
            await exchange.publish(
                aio_pika.Message(
                    event.model_dump_json().encode(),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers={ATTEMPT_HEADER: len(topology.RETRY_DELAYS_SECONDS)},
                ),
                routing_key=event.routing_key,
            )

    asyncio.run(send())


def mail_after(stack: Stack, rabbitmq_url: str) -> None:
    """Wait for a mail published now: what was queued before it has been handled."""
    marker = f"{unique('marker')}@example.com"
    publish(rabbitmq_url, notification("rule_alert", marker))
    wait_until(lambda: mails_to(stack.mail_dir, marker), what="the mail published after")


def test_every_queue_is_listed_with_its_depth_consumers_and_dead_letters(
    gateway: httpx.Client, rabbitmq_url: str
) -> None:
    queue = topology.NOTIFIER_DIGESTS
    before = queue_rows(gateway)[queue.name]["dlq_messages"]
    put_in_dlq(rabbitmq_url, queue.name, aio_pika.Message(b'{"v": 1}', message_id=unique("m")))

    rows = queue_rows(gateway)

    expected = {q.name for q in topology.EVERY_CONSUMER_QUEUE} | set(topology.RPC_QUEUES)
    expected |= {topology.retry_queue(d) for d in topology.RETRY_DELAYS_SECONDS}
    assert set(rows) == expected
    assert rows[queue.name]["dlq"] == queue.dlq
    assert rows[queue.name]["dlq_messages"] == before + 1
    # The test stack runs two ticketing and two notifier replicas and one of the others.
    assert rows["ticketing.interactions"]["consumers"] == 2
    assert rows["notifier.notifications"]["consumers"] == 2
    assert rows["rules.interactions"]["consumers"] == 1
    assert rows["rules.rpc"]["kind"] == "requests"
    assert all(r["exists"] for r in rows.values())
    assert gateway.get("/v1/admin/queues").json()["dead_letters"] >= before + 1


def test_only_an_admin_sees_the_queues_and_an_unknown_queue_is_not_found(
    gateway: httpx.Client,
) -> None:
    ana = agent(gateway)
    with as_agent(gateway, ana["id"]) as client:
        assert client.get("/v1/admin/queues").status_code == 403
        assert client.get(f"/v1/admin/dlq/{NOTIFICATIONS}").status_code == 403
        assert client.post(f"/v1/admin/dlq/{NOTIFICATIONS}/replay", json={}).status_code == 403

    for path in ("/v1/admin/dlq/nope", "/v1/admin/dlq/socialdesk.retry.1s"):
        missing = gateway.get(path)
        assert missing.status_code == 404
        assert "not a Socialdesk queue" in missing.json()["detail"]
    assert gateway.post("/v1/admin/dlq/nope/replay", json={}).status_code == 404
    # The DLQ's own name works as well.
    assert dead_letters(gateway, f"{NOTIFICATIONS}.dlq")["queue"] == NOTIFICATIONS


def test_dead_letters_are_listed_with_their_cause_and_stay_in_order(
    gateway: httpx.Client, rabbitmq_url: str
) -> None:
    markers = [unique("poison") for _ in range(3)]
    for marker in markers:
        publish_raw(
            rabbitmq_url,
            NotificationRequestedV1.routing_key,
            b'{"v": 1, "kind": "carrier_pigeon", "recipients": ["' + marker.encode() + b'"]}',
        )

    def mine() -> list[dict[str, Any]] | None:
        items = dead_letters(gateway, NOTIFICATIONS)["items"]
        found = [i for i in items if any(m in i["body"] for m in markers)]
        return found if len(found) == len(markers) else None

    for item in wait_until(mine, what="the invalid events in the DLQ"):
        assert item["reason"] == "handler"
        assert "invalid NotificationRequestedV1" in item["cause"]
        assert item["routing_key"] == NotificationRequestedV1.routing_key
        assert item["failed_at"]

    whole = dead_letters(gateway, NOTIFICATIONS)
    ids = [i["id"] for i in whole["items"]]
    assert whole["total"] == len(ids)
    paged = [
        i["id"]
        for offset in range(0, len(ids), 2)
        for i in dead_letters(gateway, NOTIFICATIONS, offset=offset, limit=2)["items"]
    ]
    assert paged == ids
    again = dead_letters(gateway, NOTIFICATIONS)
    assert [i["id"] for i in again["items"]] == ids
    assert [i["position"] for i in again["items"]] == list(range(len(ids)))


def test_replaying_a_mail_that_was_already_sent_sends_nothing_twice(
    stack: Stack, gateway: httpx.Client, rabbitmq_url: str
) -> None:
    address = f"{unique('ja-avisado')}@example.com"
    event = notification("rule_alert", address)
    publish(rabbitmq_url, event)
    wait_until(lambda: mails_to(stack.mail_dir, address), what="the mail")
    # Its notifier sent the mail and crashed before acknowledging, until RabbitMQ gave up.
    put_in_dlq(rabbitmq_url, NOTIFICATIONS, dead_lettered_by_rabbitmq(event, NOTIFICATIONS))
    [item] = wait_until(
        lambda: [
            i for i in dead_letters(gateway, NOTIFICATIONS)["items"] if i["id"] == str(event.id)
        ],
        what="the dead letter",
    )
    assert item["reason"] == "delivery_limit"
    assert "delivered 10 times" in item["cause"]
    assert item["routing_key"] == NotificationRequestedV1.routing_key
    assert item["event_ids"] == [str(event.id)]

    dry = replay(gateway, NOTIFICATIONS, ids=[item["id"]], dry_run=True)
    assert (dry["selected"], dry["replayed"], dry["not_found"]) == ([item["id"]], 0, [])
    assert item["id"] in [i["id"] for i in dead_letters(gateway, NOTIFICATIONS)["items"]]

    done = replay(gateway, NOTIFICATIONS, ids=[item["id"]])

    assert (done["selected"], done["replayed"], done["not_found"]) == ([item["id"]], 1, [])
    mail_after(stack, rabbitmq_url)
    assert len(mails_to(stack.mail_dir, address)) == 1
    assert item["id"] not in [i["id"] for i in dead_letters(gateway, NOTIFICATIONS)["items"]]


def test_replaying_a_mail_that_never_went_out_sends_it_exactly_once(
    stack: Stack, gateway: httpx.Client, rabbitmq_url: str
) -> None:
    address = f"{unique('atrasado')}@example.com"
    event = notification("rule_alert", address)
    stop_mail_sink(stack)
    try:
        publish_after_its_retries(rabbitmq_url, event)
        [item] = wait_until(
            lambda: [
                i
                for i in dead_letters(gateway, NOTIFICATIONS)["items"]
                if i["event_ids"] == [str(event.id)]
            ],
            what="the event dead-lettered while SMTP is down",
        )
    finally:
        start_mail_sink(stack)
    assert item["reason"] == "handler"
    assert item["attempts"] == len(topology.RETRY_DELAYS_SECONDS)
    assert mails_to(stack.mail_dir, address) == []
    others = [i["id"] for i in dead_letters(gateway, NOTIFICATIONS)["items"] if i != item]

    done = replay(gateway, NOTIFICATIONS, ids=[item["id"], "no-such-dead-letter"])

    assert (done["selected"], done["replayed"]) == ([item["id"]], 1)
    assert done["not_found"] == ["no-such-dead-letter"]
    wait_until(lambda: mails_to(stack.mail_dir, address), what="the replayed mail")
    # The ones not chosen stay, in their order.
    left = [i["id"] for i in dead_letters(gateway, NOTIFICATIONS)["items"]]
    assert left[: len(others)] == [i for i in others if i != item["id"]]
    again = replay(gateway, NOTIFICATIONS, ids=[item["id"]])
    assert (again["replayed"], again["not_found"]) == (0, [item["id"]])
    mail_after(stack, rabbitmq_url)
    assert len(mails_to(stack.mail_dir, address)) == 1


def test_replaying_an_interaction_already_on_its_ticket_adds_nothing(
    gateway: httpx.Client, ingestor: httpx.Client, rabbitmq_url: str
) -> None:
    keyword = unique("replay")
    create_rule(
        gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    thread = unique("post")
    payload = interaction(thread=thread, text=keyword)
    post(ingestor, payload)
    wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    event = InteractionReceivedV1(interaction=Interaction.model_validate(payload))
    queue = topology.RULES_INTERACTIONS.name
    put_in_dlq(rabbitmq_url, queue, dead_lettered_by_rabbitmq(event, queue))

    done = replay(gateway, queue, ids=[str(event.id)])

    assert done["replayed"] == 1
    post(ingestor, interaction(thread=thread, text=keyword, minutes=1))
    [ticket] = wait_until(
        lambda: [t for t in tickets_of_thread(gateway, thread) if t["interaction_count"] >= 2],
        what="the later interaction on the ticket",
    )
    assert ticket["interaction_count"] == 2
    assert str(event.id) not in [i["id"] for i in dead_letters(gateway, queue)["items"]]


def test_make_dlq_lists_and_replays_through_the_gateway(
    stack: Stack,
    gateway: httpx.Client,
    rabbitmq_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOCIALDESK_GATEWAY_URL", stack.url("gateway"))
    monkeypatch.setenv("SOCIALDESK_ADMIN_TOKEN", ADMIN_TOKEN)
    queue = topology.TICKETING_OPINIONS.name
    message_id = unique("cli")
    put_in_dlq(rabbitmq_url, queue, aio_pika.Message(b'{"v": 1}', message_id=message_id))

    assert dlq.main([]) == 0
    assert queue in capsys.readouterr().out
    assert dlq.main([queue, "--limit", "500"]) == 0
    assert message_id in capsys.readouterr().out
    assert dlq.main([queue, "--replay", "--dry-run", "--id", message_id]) == 0
    assert "dry run: would replay 1" in capsys.readouterr().out
    assert dlq.main(["nope"]) == 1
    assert "404" in capsys.readouterr().err


def test_a_dlq_being_read_elsewhere_is_refused_with_409(
    gateway: httpx.Client, rabbitmq_url: str
) -> None:
    dlq = topology.NOTIFIER_OPINIONS.dlq

    async def while_locked() -> list[httpx.Response]:
        async with await aio_pika.connect(rabbitmq_url) as connection:
            channel = await connection.channel()
            # What another gateway's listing or replay holds while it runs.
            await channel.declare_queue(f"socialdesk.admin.lock.{dlq}", exclusive=True)
            async with httpx.AsyncClient(
                base_url=gateway.base_url, headers=gateway.headers, timeout=30
            ) as client:
                return [
                    await client.get(f"/v1/admin/dlq/{dlq}"),
                    await client.post(f"/v1/admin/dlq/{dlq}/replay", json={"dry_run": True}),
                ]

    for refused in asyncio.run(while_locked()):
        assert refused.status_code == 409
        assert "another listing or replay" in refused.json()["detail"]
    assert gateway.get(f"/v1/admin/dlq/{dlq}").status_code == 200


def test_replaying_everything_puts_back_each_one_and_what_still_fails_comes_back(
    gateway: httpx.Client, rabbitmq_url: str
) -> None:
    queue = topology.NOTIFIER_OPINIONS.name
    markers = [unique("still-broken") for _ in range(2)]
    for marker in markers:
        message = aio_pika.Message(
            b'{"v": 1, "marker": "' + marker.encode() + b'"}', message_id=marker
        )
        put_in_dlq(rabbitmq_url, queue, message)

    done = replay(gateway, queue)

    assert set(markers) <= set(done["selected"])
    assert done["replayed"] == len(done["selected"]) == done["scanned"]
    assert done["not_found"] == []

    def back() -> list[dict[str, Any]] | None:
        items = dead_letters(gateway, queue)["items"]
        found = [i for i in items if any(m in i["body"] for m in markers)]
        return found if len(found) == len(markers) else None

    # Nothing fixed their cause: the notifier dead-letters them again, saying why.
    for item in wait_until(back, what="the replayed dead letters back in the DLQ"):
        assert item["replayed"] == 1
        assert item["reason"] == "handler"
        assert "invalid OpinionRequestedV1" in item["cause"]
