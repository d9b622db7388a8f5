"""X deliveries to interactions, without services: CRC, signatures, directions, threads, edits,
deletions and reasons to set aside."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from contracts.accounts import AccountHealth, AccountRead, Collect
from contracts.events import InteractionChangedV1
from contracts.interaction import Channel, Direction, Interaction, Kind
from devtools.fakenets import x as fake
from ingestor import deliveries, x
from ingestor.app import create_app
from ingestor.settings import IngestorSettings

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BRAND = "2244994945"
SECRET = "consumer-secret-0123456789abcdef-0123"


def account(collect: list[Collect] | None = None) -> AccountRead:
    return AccountRead(
        id="acme-x",
        channel=Channel.TWITTER,
        network_id=BRAND,
        name="Acme",
        collect=collect if collect is not None else [Collect.MENTIONS, Collect.DIRECT_MESSAGES],
        active=True,
        has_credentials=False,
        health=AccountHealth(),
        created_at=NOW,
        updated_at=NOW,
    )


def sorted_(delivery: dict[str, object], who: AccountRead | None = None) -> deliveries.Sorted:
    who = who or account()
    return deliveries.sort(x.items(delivery), {(Channel.TWITTER, BRAND): who}, x.normalise)


MARIA = fake.user("42", "maria", "Maria Souza")


def test_the_crc_answer_and_the_signature_are_what_x_computes() -> None:
    assert x.crc_response(SECRET, "abc") == {"response_token": fake.sign(b"abc", SECRET)}
    body = fake.encode(fake.delivery(BRAND, tweet_create_events=[]))
    assert x.signature_ok(body, fake.sign(body, SECRET), SECRET)
    assert not x.signature_ok(body + b" ", fake.sign(body, SECRET), SECRET)
    assert not x.signature_ok(body, fake.sign(body, "another-secret"), SECRET)


def test_a_mention_is_a_post_and_a_reply_threads_on_the_tweet_it_answers() -> None:
    created = 1_796_000_000
    found = sorted_(
        fake.delivery(
            BRAND,
            tweet_create_events=[
                fake.tweet(tweet_id="1", author=MARIA, text="@acme oi", created=created),
                fake.tweet(tweet_id="2", author=MARIA, text="e aí?", in_reply_to="1"),
            ],
        )
    )
    mention, reply = found.interactions
    assert (mention.kind, mention.thread_id, mention.parent_id) == (Kind.POST, "1", None)
    assert mention.occurred_at == datetime.fromtimestamp(created, UTC)
    assert (mention.author.handle, mention.author.name) == ("maria", "Maria Souza")
    assert (reply.kind, reply.thread_id, reply.parent_id) == (Kind.REPLY, "1", "1")


def test_the_brands_own_tweets_and_dms_are_outbound() -> None:
    own = fake.user(BRAND, "acme")
    found = sorted_(
        fake.delivery(
            BRAND,
            tweet_create_events=[fake.tweet(tweet_id="3", author=own, text="Oi!", in_reply_to="1")],
            direct_message_events=[
                fake.direct_message(event_id="d1", sender_id="42", recipient_id=BRAND, text="a"),
                fake.direct_message(event_id="d2", sender_id=BRAND, recipient_id="42", text="b"),
            ],
            users={"42": MARIA},
        )
    )
    tweet, theirs, ours = found.interactions
    assert tweet.direction is Direction.OUTBOUND
    assert (theirs.direction, theirs.author.name) == (Direction.INBOUND, "Maria Souza")
    assert (ours.direction, ours.author.name) == (Direction.OUTBOUND, "Acme")
    assert theirs.thread_id == ours.thread_id == f"dm:{BRAND}:42"


def test_an_edit_and_a_deletion_are_changes_of_the_first_tweet() -> None:
    found = sorted_(
        fake.delivery(
            BRAND,
            tweet_create_events=[
                fake.tweet(tweet_id="9", author=MARIA, text="novo", initial_tweet_id="8")
            ],
            tweet_delete_events=[
                fake.deletion(tweet_id="8", user_id="42", when_ms=1_796_000_000_000)
            ],
        )
    )
    edit, removal = (c for _, c in found.changes)
    assert isinstance(edit, InteractionChangedV1)
    assert (edit.key, edit.change, edit.text) == ("twitter:8", "edited", "novo")
    assert (removal.key, removal.change, removal.actor) == (
        "twitter:8",
        "removed",
        "network:twitter",
    )
    assert found.interactions == []


def test_what_is_not_collected_or_unreadable_is_set_aside_with_the_reason() -> None:
    retweet = fake.tweet(tweet_id="5", author=MARIA, text="RT") | {"retweeted_status": {}}
    broken = fake.tweet(tweet_id="6", author=MARIA, text="x")
    del broken["user"]
    found = sorted_(
        fake.delivery(
            BRAND,
            tweet_create_events=[retweet, broken, "nonsense"],
            favorite_events=[{"id": "f"}],
            direct_message_events=[
                fake.direct_message(event_id="d", sender_id="42", recipient_id=BRAND, text="a")
            ],
        ),
        account(collect=[Collect.MENTIONS]),
    )
    reasons = [a["reason"] for a in found.set_aside]
    assert reasons == [
        "not_collected",
        "unnormalisable",
        "unnormalisable",
        "not_collected",
        "not_collected",
    ]
    assert found.interactions == []


def test_a_delivery_for_an_unregistered_user_is_set_aside() -> None:
    delivery = fake.delivery(
        "999", tweet_create_events=[fake.tweet(tweet_id="1", author=MARIA, text="o")]
    )
    found = deliveries.sort(x.items(delivery), {}, x.normalise)
    assert [a["reason"] for a in found.set_aside] == ["unknown_account"]


async def test_without_the_consumer_secret_the_x_webhook_is_off(tmp_path: Path) -> None:
    settings = IngestorSettings(SOCIALDESK_DATA_DIR=tmp_path, SOCIALDESK_INGEST_KEY="k" * 32)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://ingestor") as client:
        crc = await client.get("/webhooks/x", params={"crc_token": "abc"})
        post = await client.post("/webhooks/x", content=b"{}", headers={x.SIGNATURE: "sha256=AA"})
    for answer in (crc, post):
        assert answer.status_code == 404
        assert "INGESTOR_X_CONSUMER_SECRET" in answer.json()["detail"]


def test_interactions_are_twitter_keyed_by_tweet_id() -> None:
    [mention] = sorted_(
        fake.delivery(
            BRAND, tweet_create_events=[fake.tweet(tweet_id="77", author=MARIA, text="o")]
        )
    ).interactions
    assert isinstance(mention, Interaction)
    assert mention.key == "twitter:77"
