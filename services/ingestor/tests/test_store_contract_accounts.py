"""What every adapter must do with accounts and kept deliveries (runs on every backend)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.accounts import AccountHealth, AccountRead, Collect, HealthState
from contracts.events import InteractionChangedV1
from contracts.interaction import Channel
from ingestor.store.accounts_port import AccountTaken, Delivery, MailCursor, StoredAccount
from ingestor.store.port import IngestStore
from servicekit.publishing import OutgoingMessage

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def account(
    id: str = "acme-fb", network_id: str = "1001", channel: Channel = Channel.FACEBOOK
) -> StoredAccount:
    return StoredAccount(
        AccountRead(
            id=id,
            channel=channel,
            network_id=network_id,
            name="Acme",
            collect=[Collect.COMMENTS],
            active=True,
            has_credentials=True,
            health=AccountHealth(),
            created_at=NOW,
            updated_at=NOW,
        ),
        b"ciphertext",
    )


async def test_an_account_is_kept_with_its_encrypted_credentials(store: IngestStore) -> None:
    await store.create_account(account())
    assert await store.account("acme-fb") == account()
    assert await store.accounts() == [account()]
    assert await store.account("nobody") is None


async def test_id_and_network_id_are_each_one_account(store: IngestStore) -> None:
    await store.create_account(account())
    with pytest.raises(AccountTaken):
        await store.create_account(account(network_id="other"))
    with pytest.raises(AccountTaken):
        await store.create_account(account(id="acme-2"))
    # The same network id on another channel is another profile.
    await store.create_account(account(id="acme-ig", channel=Channel.INSTAGRAM))
    await store.create_account(account(id="acme-2", network_id="2002"))
    with pytest.raises(AccountTaken):
        await store.replace_account(account(id="acme-2", network_id="1001"))


async def test_replace_and_delete(store: IngestStore) -> None:
    assert not await store.replace_account(account())
    await store.create_account(account())
    renamed = account(network_id="1002")
    assert await store.replace_account(renamed)
    assert await store.account("acme-fb") == renamed
    assert await store.delete_account("acme-fb")
    assert not await store.delete_account("acme-fb")
    assert await store.accounts() == []


async def test_accounts_are_found_by_channel_and_network_id(store: IngestStore) -> None:
    await store.create_account(account())
    await store.create_account(account(id="acme-ig", network_id="17841", channel=Channel.INSTAGRAM))
    found = await store.accounts_by_network(["facebook"], ["1001", "17841", "9"])
    assert [s.account.id for s in found] == ["acme-fb"]
    both = await store.accounts_by_network(["facebook", "instagram"], ["1001", "17841"])
    assert sorted(s.account.id for s in both) == ["acme-fb", "acme-ig"]


async def test_an_event_shows_on_the_accounts_health(store: IngestStore) -> None:
    await store.create_account(account())
    await store.note_events(["acme-fb"], NOW + timedelta(minutes=1))
    stored = await store.account("acme-fb")
    assert stored is not None
    assert stored.account.health.last_event_at == NOW + timedelta(minutes=1)


async def test_deliveries_are_kept_counted_and_forgotten_by_age(store: IngestStore) -> None:
    old = Delivery("d1", "meta", NOW - timedelta(days=40), b'{"entry": []}')
    unknown = {"entry": "0", "reason": "unknown_account", "detail": "page 9"}
    odd = {"entry": "1", "reason": "unnormalisable", "detail": "no id"}
    recent = Delivery("d2", "meta", NOW, b"{}", accepted=3, set_aside=[unknown, odd, unknown])
    await store.keep_delivery(old)
    await store.keep_delivery(recent)
    assert await store.delivery_summary() == {
        "deliveries": 2,
        "unknown_account": 2,
        "unnormalisable": 1,
    }
    assert await store.forget_deliveries(before=NOW - timedelta(days=30)) == 1
    assert (await store.delivery_summary())["deliveries"] == 1


async def test_a_replay_reads_the_deliveries_of_its_sources_in_its_window(
    store: IngestStore,
) -> None:
    kept = [
        Delivery("early", "meta", NOW - timedelta(hours=2), b'{"n": 1}'),
        Delivery("inside", "meta", NOW - timedelta(hours=1), b'{"n": 2}', accepted=1),
        Delivery("mail", "smtp", NOW - timedelta(minutes=30), b"From: a"),
        Delivery("other-source", "x", NOW - timedelta(minutes=20), b"{}"),
        Delivery("at-the-end", "meta", NOW, b"{}"),
    ]
    for delivery in reversed(kept):
        await store.keep_delivery(delivery)
    found = await store.deliveries_between(
        ["meta", "smtp"], NOW - timedelta(hours=1, minutes=30), NOW
    )
    assert [d.id for d in found] == ["inside", "mail"]
    assert found[0] == kept[1]
    assert await store.deliveries_between([], NOW - timedelta(days=1), NOW) == []


async def test_a_mailbox_cursor_is_kept_per_account_and_moves_forward(store: IngestStore) -> None:
    assert await store.mail_cursor("sac") is None
    await store.save_mail_cursor("sac", MailCursor(uidvalidity=7, uid=3))
    await store.save_mail_cursor("other", MailCursor(uidvalidity=1, uid=1))
    await store.save_mail_cursor("sac", MailCursor(uidvalidity=7, uid=9))
    assert await store.mail_cursor("sac") == MailCursor(7, 9)
    assert await store.mail_cursor("other") == MailCursor(1, 1)


async def test_threads_are_remembered_by_key_and_forgotten_by_age(store: IngestStore) -> None:
    then = datetime(2026, 11, 1, tzinfo=UTC)
    assert await store.threads_of([]) == {}
    await store.remember_threads({"twitter:1": "1", "twitter:2": "1"}, then)
    await store.remember_threads({"email:b@c": "a@c"}, then + timedelta(days=10))
    assert await store.threads_of(["twitter:2", "email:b@c", "twitter:9"]) == {
        "twitter:2": "1",
        "email:b@c": "a@c",
    }
    assert await store.forget_threads(before=then + timedelta(days=1)) == 2
    assert await store.threads_of(["twitter:1", "email:b@c"]) == {"email:b@c": "a@c"}


async def test_a_delivery_is_accepted_kept_threaded_and_noted_together(
    store: IngestStore,
) -> None:
    await store.create_account(account())

    def change(key: str) -> tuple[str, OutgoingMessage]:
        event = InteractionChangedV1(key=key, change="removed", changed_at=NOW, actor="network")
        return key, OutgoingMessage.of(event)

    first = await store.accept_delivery(
        [change("facebook:1"), change("facebook:2")],
        delivery=Delivery("d1", "meta", NOW, b"{}"),
        threads={"facebook:1": "post-1"},
        touched=["acme-fb"],
        at=NOW,
    )
    again = await store.accept_delivery(
        [change("facebook:2")],
        delivery=Delivery("d2", "meta", NOW, b"{}"),
        threads={},
        touched=[],
        at=NOW,
    )
    assert (len(first), again) == (2, [])
    [d1, d2] = await store.deliveries_between(["meta"], NOW, NOW + timedelta(seconds=1))
    assert (d1.accepted, d1.duplicates, d2.accepted, d2.duplicates) == (2, 0, 0, 1)
    assert await store.threads_of(["facebook:1"]) == {"facebook:1": "post-1"}
    stored = await store.account("acme-fb")
    assert stored is not None and stored.account.health.last_event_at == NOW


async def test_a_replacement_at_another_revision_is_refused_and_writes_nothing(
    store: IngestStore,
) -> None:
    first = account()
    await store.create_account(first)
    theirs = account(network_id="1002")
    saved = StoredAccount(theirs.account.model_copy(update={"revision": 1}), b"ciphertext")
    assert await store.replace_account(saved, expected_revision=0)
    mine = StoredAccount(account(network_id="1003").account, b"ciphertext")
    assert not await store.replace_account(mine, expected_revision=0)
    assert await store.account("acme-fb") == saved
    assert await store.replace_account(mine, expected_revision=1)
    assert await store.account("acme-fb") == mine


async def test_health_updates_leave_the_revision_as_it_is(store: IngestStore) -> None:
    kept = StoredAccount(account().account.model_copy(update={"revision": 3}), b"ciphertext")
    await store.create_account(kept)
    await store.note_events(["acme-fb"], NOW + timedelta(minutes=1))
    assert (await store.account("acme-fb")).account.revision == 3  # type: ignore[union-attr]
    assert await store.replace_account(kept, expected_revision=3)


async def test_a_health_update_between_a_read_and_a_save_survives_the_save(
    store: IngestStore,
) -> None:
    await store.create_account(
        StoredAccount(account().account.model_copy(update={"revision": 1}), b"ciphertext")
    )
    read = await store.account("acme-fb")
    assert read is not None
    # A poll fails after the administrator opened the account, before the save lands.
    await store.set_health(
        "acme-fb",
        state=HealthState.FAILING,
        last_error="token expired",
        consecutive_failures=3,
        changed_at=NOW,
    )
    renamed = read.account.model_copy(update={"name": "Acme Brasil", "revision": 2})
    assert await store.replace_account(
        StoredAccount(renamed, read.credentials), expected_revision=1
    )
    saved = await store.account("acme-fb")
    assert saved is not None
    assert saved.account.name == "Acme Brasil" and saved.account.revision == 2
    health = saved.account.health
    assert (health.state, health.last_error, health.consecutive_failures, health.changed_at) == (
        HealthState.FAILING,
        "token expired",
        3,
        NOW,
    )
    # A save still replaces every other field, and the check of the revision still holds.
    assert not await store.replace_account(StoredAccount(read.account, None), expected_revision=1)
    assert await store.account("acme-fb") == saved
