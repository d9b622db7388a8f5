"""Meta webhooks end to end: the fake Meta (devtools.fakenets) signs and sends deliveries to the
real ingestor, and the interactions travel through RabbitMQ, rules and ticketing to the desk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devtools.fakenets import meta
from devtools.launcher import Stack
from tests.conftest import TEST_PORT_OFFSET
from tests.fakenets_process import fake_networks
from tests.support import unique, wait_until


@pytest.fixture(scope="module")
def fake_meta(stack: Stack) -> Iterator[httpx.Client]:
    """The fake networks' server, delivering to this stack's ingestor."""
    with fake_networks(stack, 8090 + TEST_PORT_OFFSET) as client:
        yield client


def register(gateway: httpx.Client, channel: str = "facebook", **extra: Any) -> dict[str, Any]:
    body = {
        "id": unique("acme"),
        "channel": channel,
        "network_id": unique("1000"),
        "name": "Acme Brasil",
        "credentials": {"page_access_token": "EAAB-test"},
        **extra,
    }
    created = gateway.post("/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def deliver(fake: httpx.Client, payload: dict[str, Any], **params: str) -> dict[str, Any]:
    answer = fake.post("/_fake/meta/deliver", content=meta.encode(payload), params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def interactions_of(
    gateway: httpx.Client, account: str, at_least: int, timeout: float = 60
) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            got = gateway.get(
                "/v1/interactions", params={"account": account, "page_size": 200, "page": page}
            ).json()
            items += got["items"]
            if len(got["items"]) < 200:
                break
            page += 1
        return items if len(items) >= at_least else None

    return wait_until(found, timeout=timeout, what=f"{at_least} interactions of {account}")


def comment(account: dict[str, Any], text: str = "Cadê meu pedido?", **kw: Any) -> dict[str, Any]:
    return meta.page_comment(
        page_id=account["network_id"],
        comment_id=kw.pop("comment_id", unique("c")),
        post_id=kw.pop("post_id", unique("post")),
        from_id=kw.pop("from_id", unique("user")),
        from_name="Maria Souza",
        message=text,
        **kw,
    )


def test_the_verification_handshake(fake_meta: httpx.Client) -> None:
    good = fake_meta.post("/_fake/meta/verify").json()
    assert good["status"] == 200
    assert good["body"] == good["challenge"]
    wrong = fake_meta.post("/_fake/meta/verify", params={"token": "guess"}).json()
    assert wrong["status"] == 403
    assert wrong["challenge"] not in wrong["body"]


def test_a_signed_comment_reaches_the_desk_as_the_customers(
    fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway)
    answer = deliver(fake_meta, meta.delivery("page", [comment(account, "Entrega atrasada")]))
    assert answer["status"] == 200, answer
    [stored] = interactions_of(gateway, account["id"], 1)
    interaction = stored["interaction"]
    assert interaction["channel"] == "facebook"
    assert interaction["direction"] == "inbound"
    assert interaction["text"] == "Entrega atrasada"
    assert interaction["author"]["name"] == "Maria Souza"
    health = gateway.get(f"/v1/accounts/{account['id']}").json()["health"]
    assert health["last_event_at"] is not None


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"signature": "none"}, 401),
        ({"signature": "sha256=" + "0" * 64}, 403),
        ({"tamper": "1"}, 403),
    ],
    ids=["missing", "wrong", "tampered"],
)
def test_unsigned_or_forged_deliveries_are_refused_and_nothing_is_kept(
    fake_meta: httpx.Client,
    gateway: httpx.Client,
    ingestor: httpx.Client,
    params: dict[str, str],
    status: int,
) -> None:
    account = register(gateway)
    before = ingestor.get("/v1/webhooks/health").json()["deliveries"]
    answer = deliver(fake_meta, meta.delivery("page", [comment(account)]), **params)
    assert answer["status"] == status
    # A signed delivery afterwards arrives; the forged one never did.
    deliver(fake_meta, meta.delivery("page", [comment(account, "depois")]))
    [stored] = interactions_of(gateway, account["id"], 1)
    assert stored["interaction"]["text"] == "depois"
    assert ingestor.get("/v1/webhooks/health").json()["deliveries"] == before + 1


def test_a_thousand_entry_delivery_is_a_thousand_interactions(
    fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway)
    post = unique("post")
    entries = [comment(account, f"comentário {n}", post_id=post) for n in range(1000)]
    answer = deliver(fake_meta, meta.delivery("page", entries))
    assert answer["status"] == 200, answer
    assert '"accepted":1000' in answer["body"]
    assert len(interactions_of(gateway, account["id"], 1000)) == 1000


def test_the_same_delivery_three_times_is_one_interaction_each(
    fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway)
    payload = meta.delivery("page", [comment(account, "um"), comment(account, "dois")])
    answers = [deliver(fake_meta, payload) for _ in range(3)]
    assert [a["status"] for a in answers] == [200, 200, 200]
    assert '"duplicates":2' in answers[2]["body"]
    interactions_of(gateway, account["id"], 2)
    marker = unique("after")
    deliver(fake_meta, meta.delivery("page", [comment(account, marker)]))
    stored = interactions_of(gateway, account["id"], 3)
    assert sorted(s["interaction"]["text"] for s in stored) == sorted(["um", "dois", marker])


def test_a_dm_and_its_echo_are_the_customer_in_and_the_brand_out(
    fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway)
    customer, page = unique("psid"), account["network_id"]
    deliver(
        fake_meta,
        meta.delivery(
            "page",
            [
                meta.direct_message(
                    account_id=page, customer_id=customer, mid=unique("m"), text="Oi?"
                ),
                meta.direct_message(
                    account_id=page, customer_id=customer, mid=unique("m"), text="Olá!", echo=True
                ),
            ],
        ),
    )
    stored = {
        s["interaction"]["text"]: s["interaction"]
        for s in interactions_of(gateway, account["id"], 2)
    }
    assert stored["Oi?"]["direction"] == "inbound"
    assert stored["Oi?"]["author"]["id"] == customer
    assert stored["Olá!"]["direction"] == "outbound"
    assert stored["Olá!"]["author"]["id"] == page
    assert stored["Oi?"]["thread_id"] == stored["Olá!"]["thread_id"]
    assert stored["Oi?"]["visibility"] == "private"


def test_an_instagram_comment_and_the_brands_own_reply(
    fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway, channel="instagram")
    media, ig = unique("media"), account["network_id"]
    first = unique("igc")
    deliver(
        fake_meta,
        meta.delivery(
            "instagram",
            [
                meta.instagram_comment(
                    ig_id=ig,
                    comment_id=first,
                    media_id=media,
                    from_id="u1",
                    username="maria",
                    text="Lindo",
                ),
                meta.instagram_comment(
                    ig_id=ig,
                    comment_id=unique("igc"),
                    media_id=media,
                    from_id=ig,
                    username="acme",
                    text="Obrigado!",
                    parent_id=first,
                ),
            ],
        ),
    )
    stored = {
        s["interaction"]["text"]: s["interaction"]
        for s in interactions_of(gateway, account["id"], 2)
    }
    assert stored["Lindo"]["direction"] == "inbound"
    assert stored["Obrigado!"]["direction"] == "outbound"
    assert stored["Obrigado!"]["parent_id"] == first


def test_an_unknown_account_and_an_odd_entry_are_kept_aside_and_answered_200(
    fake_meta: httpx.Client, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    account = register(gateway)
    before = ingestor.get("/v1/webhooks/health").json()
    nobody = comment({"network_id": unique("nobody")}, "para ninguém")
    odd = comment(account, "sem autor")
    del odd["changes"][0]["value"]["from"]
    answer = deliver(fake_meta, meta.delivery("page", [nobody, odd, comment(account, "ok")]))
    assert answer["status"] == 200, answer
    after = ingestor.get("/v1/webhooks/health").json()
    assert after["unknown_account"] == before["unknown_account"] + 1
    assert after["unnormalisable"] == before["unnormalisable"] + 1
    [stored] = interactions_of(gateway, account["id"], 1)
    assert stored["interaction"]["text"] == "ok"
    # Signed bytes that are not JSON at all: kept with the cause, still a 200.
    garbled = fake_meta.post("/_fake/meta/deliver", content=b'{"object": "page", "entry": [')
    assert garbled.json()["status"] == 200
    latest = ingestor.get("/v1/webhooks/health").json()
    assert latest["unnormalisable"] == after["unnormalisable"] + 1
    assert latest["deliveries"] == after["deliveries"] + 1
