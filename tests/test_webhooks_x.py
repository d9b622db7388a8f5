"""X webhooks end to end: the fake X (devtools.fakenets) answers CRC checks against and signs
deliveries to the real ingestor; interactions travel through RabbitMQ to the desk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devtools.fakenets import x
from devtools.launcher import Stack
from tests.conftest import TEST_PORT_OFFSET
from tests.fakenets_process import fake_networks
from tests.support import create_rule, unique, wait_until
from tests.test_webhooks_meta import interactions_of, register

FAKE_X_PORT = 8092


@pytest.fixture(scope="module")
def fake_x(stack: Stack) -> Iterator[httpx.Client]:
    with fake_networks(stack, FAKE_X_PORT + TEST_PORT_OFFSET) as client:
        yield client


def deliver(fake: httpx.Client, payload: dict[str, Any], **params: str) -> dict[str, Any]:
    answer = fake.post("/_fake/x/deliver", content=x.encode(payload), params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def brand(gateway: httpx.Client, **extra: Any) -> dict[str, Any]:
    return register(
        gateway,
        channel="twitter",
        network_id=unique("9000").replace("-", ""),
        collect=["mentions", "direct_messages"],
        **extra,
    )


def customer() -> dict[str, Any]:
    return x.user(unique("42").replace("-", ""), unique("maria"), "Maria Souza")


def test_the_crc_check_is_answered_with_the_consumer_secret(fake_x: httpx.Client) -> None:
    answer = fake_x.post("/_fake/x/crc").json()
    assert answer["status"] == 200
    assert answer["valid"] is True


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"signature": "none"}, 401),
        ({"signature": "sha256=" + "A" * 44}, 403),
        ({"tamper": "1"}, 403),
    ],
    ids=["missing", "wrong", "tampered"],
)
def test_unsigned_or_forged_deliveries_are_refused_and_nothing_is_kept(
    fake_x: httpx.Client,
    gateway: httpx.Client,
    ingestor: httpx.Client,
    params: dict[str, str],
    status: int,
) -> None:
    account = brand(gateway)
    before = ingestor.get("/v1/webhooks/health").json()["deliveries"]
    forged = x.tweet(tweet_id=unique("1"), author=customer(), text="forjado")
    answer = deliver(
        fake_x, x.delivery(account["network_id"], tweet_create_events=[forged]), **params
    )
    assert answer["status"] == status
    good = x.tweet(tweet_id=unique("1"), author=customer(), text="assinado")
    assert (
        deliver(fake_x, x.delivery(account["network_id"], tweet_create_events=[good]))["status"]
        == 200
    )
    [stored] = interactions_of(gateway, account["id"], 1)
    assert stored["interaction"]["text"] == "assinado"
    assert ingestor.get("/v1/webhooks/health").json()["deliveries"] == before + 1


def test_a_mention_its_reply_and_the_brands_answer_share_the_thread(
    fake_x: httpx.Client, gateway: httpx.Client
) -> None:
    account = brand(gateway)
    maria, own = customer(), x.user(account["network_id"], "acme", "Acme")
    mention_id, answer_id, reply_id = unique("1"), unique("2"), unique("3")
    events = [
        x.tweet(tweet_id=mention_id, author=maria, text="@acme cadê meu pedido?"),
        x.tweet(tweet_id=answer_id, author=own, text="Oi Maria!", in_reply_to=mention_id),
        x.tweet(tweet_id=reply_id, author=maria, text="Ainda nada", in_reply_to=mention_id),
    ]
    answer = deliver(fake_x, x.delivery(account["network_id"], tweet_create_events=events))
    assert answer["status"] == 200 and '"accepted":3' in answer["body"], answer
    stored = {
        s["interaction"]["external_id"]: s["interaction"]
        for s in interactions_of(gateway, account["id"], 3)
    }
    mention, ours, reply = stored[mention_id], stored[answer_id], stored[reply_id]
    assert (mention["channel"], mention["kind"], mention["direction"]) == (
        "twitter",
        "post",
        "inbound",
    )
    assert mention["author"]["handle"] == maria["screen_name"]
    assert (ours["direction"], ours["kind"]) == ("outbound", "reply")
    assert (reply["direction"], reply["parent_id"]) == ("inbound", mention_id)
    assert {mention["thread_id"], ours["thread_id"], reply["thread_id"]} == {mention_id}


def test_an_answer_to_the_brands_reply_stays_in_the_mentions_thread(
    fake_x: httpx.Client, gateway: httpx.Client
) -> None:
    """X v1.1 names only the tweet answered: the ingestor remembers whose thread that was."""
    account = brand(gateway)
    maria, own = customer(), x.user(account["network_id"], "acme", "Acme")
    mention_id, answer_id, later_id = unique("1"), unique("2"), unique("3")
    first = [
        x.tweet(tweet_id=mention_id, author=maria, text="@acme oi"),
        x.tweet(tweet_id=answer_id, author=own, text="Oi!", in_reply_to=mention_id),
    ]
    deliver(fake_x, x.delivery(account["network_id"], tweet_create_events=first))
    interactions_of(gateway, account["id"], 2)
    later = x.tweet(tweet_id=later_id, author=maria, text="Obrigada", in_reply_to=answer_id)
    deliver(fake_x, x.delivery(account["network_id"], tweet_create_events=[later]))
    stored = {
        s["interaction"]["external_id"]: s["interaction"]
        for s in interactions_of(gateway, account["id"], 3)
    }
    assert (stored[later_id]["thread_id"], stored[later_id]["parent_id"]) == (mention_id, answer_id)


def test_a_dm_and_the_brands_own_dm_are_one_private_conversation(
    fake_x: httpx.Client, gateway: httpx.Client
) -> None:
    account = brand(gateway)
    maria, page = customer(), account["network_id"]
    events = [
        x.direct_message(
            event_id=unique("d"), sender_id=maria["id_str"], recipient_id=page, text="Oi?"
        ),
        x.direct_message(
            event_id=unique("d"), sender_id=page, recipient_id=maria["id_str"], text="Olá!"
        ),
    ]
    users = {maria["id_str"]: maria, page: x.user(page, "acme")}
    deliver(fake_x, x.delivery(page, direct_message_events=events, users=users))
    stored = {
        s["interaction"]["text"]: s["interaction"]
        for s in interactions_of(gateway, account["id"], 2)
    }
    theirs, ours = stored["Oi?"], stored["Olá!"]
    assert (theirs["direction"], theirs["author"]["id"]) == ("inbound", maria["id_str"])
    assert theirs["author"]["name"] == "Maria Souza"
    assert (ours["direction"], ours["author"]["id"]) == ("outbound", page)
    assert theirs["thread_id"] == ours["thread_id"]
    assert theirs["visibility"] == ours["visibility"] == "private"
    assert theirs["kind"] == "direct_message"


def test_the_same_delivery_three_times_is_one_interaction(
    fake_x: httpx.Client, gateway: httpx.Client
) -> None:
    account = brand(gateway)
    payload = x.delivery(
        account["network_id"],
        tweet_create_events=[x.tweet(tweet_id=unique("1"), author=customer(), text="um")],
    )
    answers = [deliver(fake_x, payload) for _ in range(3)]
    assert [a["status"] for a in answers] == [200, 200, 200]
    assert '"duplicates":1' in answers[2]["body"]
    marker = unique("depois")
    later = x.tweet(tweet_id=unique("1"), author=customer(), text=marker)
    deliver(fake_x, x.delivery(account["network_id"], tweet_create_events=[later]))
    stored = interactions_of(gateway, account["id"], 2)
    assert sorted(s["interaction"]["text"] for s in stored) == sorted(["um", marker])


def test_an_unknown_account_and_an_odd_event_are_set_aside_and_answered_200(
    fake_x: httpx.Client, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    account = brand(gateway)
    before = ingestor.get("/v1/webhooks/health").json()
    stray = x.tweet(tweet_id=unique("1"), author=customer(), text="para ninguém")
    assert deliver(fake_x, x.delivery(unique("77"), tweet_create_events=[stray]))["status"] == 200
    odd = x.tweet(tweet_id=unique("1"), author=customer(), text="sem autor")
    del odd["user"]
    deep: dict[str, Any] = {}
    cursor = deep
    for _ in range(300):
        cursor["a"] = {}
        cursor = cursor["a"]
    too_deep = x.tweet(tweet_id=unique("1"), author=customer(), text="fundo") | {"extra": deep}
    ok = x.tweet(tweet_id=unique("1"), author=customer(), text="ok")
    answer = deliver(
        fake_x, x.delivery(account["network_id"], tweet_create_events=[odd, too_deep, ok])
    )
    assert answer["status"] == 200, answer
    assert '"set_aside":2' in answer["body"]
    after = ingestor.get("/v1/webhooks/health").json()
    assert after["unknown_account"] == before["unknown_account"] + 1
    assert after["unnormalisable"] == before.get("unnormalisable", 0) + 2
    [stored] = interactions_of(gateway, account["id"], 1)
    assert stored["interaction"]["text"] == "ok"


def test_an_edit_then_a_deletion_show_on_the_ticket(
    fake_x: httpx.Client, gateway: httpx.Client
) -> None:
    account = brand(gateway)
    keyword = unique("kw").replace("-", "")
    create_rule(
        gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    maria, first, edited = customer(), unique("1"), unique("2")
    original = x.tweet(tweet_id=first, author=maria, text=f"Pedido atrasado {keyword}")
    deliver(fake_x, x.delivery(account["network_id"], tweet_create_events=[original]))
    ticket_id = wait_until(
        lambda: interactions_of(gateway, account["id"], 1)[0].get("ticket_id"),
        timeout=60,
        what="the tweet's ticket",
    )
    edit = x.tweet(
        tweet_id=edited, author=maria, text=f"{keyword} há 10 dias", initial_tweet_id=first
    )
    deliver(fake_x, x.delivery(account["network_id"], tweet_create_events=[edit]))
    removal = x.deletion(tweet_id=first, user_id=maria["id_str"])
    deliver(fake_x, x.delivery(account["network_id"], tweet_delete_events=[removal]))

    def changed() -> list[dict[str, Any]] | None:
        history = gateway.get(f"/v1/tickets/{ticket_id}/history").json()
        entries = [h for h in history if h["action"].startswith("interaction_")]
        return entries if len(entries) >= 2 else None

    edited_entry, removed = wait_until(changed, timeout=60, what="the edit and the deletion")
    assert (edited_entry["action"], edited_entry["actor"]) == (
        "interaction_edited",
        "network:twitter",
    )
    assert edited_entry["after"] == f"{keyword} há 10 dias"
    assert (removed["action"], removed["actor"]) == ("interaction_removed", "network:twitter")
