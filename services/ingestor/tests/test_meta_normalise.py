"""Meta items to interactions, without services: directions, threads, reasons to set aside."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.accounts import AccountHealth, AccountRead, Collect
from contracts.events import InteractionChangedV1
from contracts.interaction import Channel, Interaction
from devtools.fakenets import meta as fake
from ingestor import meta
from ingestor.webhooks import signature_ok

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def account(
    channel: Channel = Channel.FACEBOOK, collect: list[Collect] | None = None
) -> AccountRead:
    return AccountRead(
        id="acme",
        channel=channel,
        network_id="100",
        name="Acme",
        collect=collect if collect is not None else [Collect.COMMENTS, Collect.DIRECT_MESSAGES],
        active=True,
        has_credentials=False,
        health=AccountHealth(),
        created_at=NOW,
        updated_at=NOW,
    )


def only_item(delivery: dict[str, object]) -> meta.Item:
    [item] = list(meta.items(delivery, NOW))
    assert isinstance(item, meta.Item)
    return item


def test_a_reply_to_a_comment_keeps_its_post_as_the_thread() -> None:
    entry = fake.page_comment(
        page_id="100",
        comment_id="c2",
        post_id="p1",
        parent_id="c1",
        from_id="u1",
        message="também",
        created_time=1_764_504_000,
    )
    interaction = meta.normalise(only_item(fake.delivery("page", [entry])), account())
    assert (interaction.thread_id, interaction.parent_id, interaction.kind) == ("p1", "c1", "reply")
    assert interaction.occurred_at == datetime.fromtimestamp(1_764_504_000, UTC)
    assert interaction.direction == "inbound"


def test_the_pages_own_comment_is_outbound() -> None:
    entry = fake.page_comment(page_id="100", comment_id="c", post_id="p", from_id="100")
    assert (
        meta.normalise(only_item(fake.delivery("page", [entry])), account()).direction == "outbound"
    )


def test_an_echo_is_the_brands_message_in_the_customers_conversation() -> None:
    inbound = fake.direct_message(account_id="100", customer_id="9", mid="m1", text="oi")
    echo = fake.direct_message(account_id="100", customer_id="9", mid="m2", text="olá", echo=True)
    a = meta.normalise(only_item(fake.delivery("page", [inbound])), account())
    b = meta.normalise(only_item(fake.delivery("page", [echo])), account())
    assert (a.direction, b.direction) == ("inbound", "outbound")
    assert a.thread_id == b.thread_id
    assert b.author.id == "100"


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (
            fake.page_comment(page_id="100", comment_id="c", post_id="p", from_id="u", verb="hide"),
            "not_applied",
        ),
        (
            {
                "id": "100",
                "messaging": [{"sender": {"id": "9"}, "recipient": {"id": "100"}, "read": {}}],
            },
            "not_collected",
        ),
    ],
    ids=["hide", "read-receipt"],
)
def test_items_that_are_not_new_interactions_are_set_aside(
    entry: dict[str, object], reason: str
) -> None:
    with pytest.raises(meta.SetAside) as aside:
        meta.normalise(only_item(fake.delivery("page", [entry])), account())
    assert aside.value.reason == reason


def test_an_account_that_does_not_collect_dms_sets_them_aside() -> None:
    dm = fake.direct_message(account_id="100", customer_id="9", mid="m", text="oi")
    with pytest.raises(meta.SetAside, match="direct_messages"):
        meta.normalise(only_item(fake.delivery("page", [dm])), account(collect=[Collect.COMMENTS]))


def test_an_unreadable_delivery_says_why() -> None:
    [aside] = list(meta.items({"object": "whatsapp_business_account", "entry": []}, NOW))
    assert isinstance(aside, meta.SetAside)
    assert aside.reason == "unnormalisable"


def test_the_signature_is_over_the_raw_bytes() -> None:
    body = fake.encode(
        fake.delivery("page", [{"id": "1", "changes": [{"value": {"message": "ação"}}]}])
    )
    assert b"\\u00e7" in body  # Meta's escaped form, exactly what it signed
    header = fake.sign(body, "s3cret")
    assert signature_ok(body, header, "s3cret")
    assert signature_ok(body, header.upper().replace("SHA256=", "sha256="), "s3cret")
    assert not signature_ok(body + b" ", header, "s3cret")
    assert not signature_ok(body, header, "other")
    assert not signature_ok(body, "sha1=abc", "s3cret")


def test_an_edited_or_removed_comment_becomes_a_change_of_its_interaction() -> None:
    def change(verb: str, message: str = "") -> object:
        entry = fake.page_comment(
            page_id="100",
            comment_id="c1",
            post_id="p",
            from_id="u",
            verb=verb,
            message=message,
            created_time=1_700_000_000,
        )
        return meta.normalise(only_item(fake.delivery("page", [entry])), account())

    edited, removed = change("edited", "fixed text"), change("remove")
    assert isinstance(edited, InteractionChangedV1) and isinstance(removed, InteractionChangedV1)
    assert (edited.key, edited.change, edited.text) == ("facebook:c1", "edited", "fixed text")
    assert (removed.key, removed.change, removed.text) == ("facebook:c1", "removed", None)
    assert edited.actor == "network:facebook"
    assert edited.changed_at.timestamp() == 1_700_000_000


def test_an_instagram_comment_whose_entry_has_no_time_takes_the_delivery_s_received_time() -> None:
    entry = fake.instagram_comment(
        ig_id="100", comment_id="c", media_id="m", from_id="u", username="ana", text="oi"
    )
    del entry["time"]
    received = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)  # not the wall clock: the ingestor's
    [item] = list(meta.items(fake.delivery("instagram", [entry]), received))
    assert isinstance(item, meta.Item)
    interaction = meta.normalise(item, account(Channel.INSTAGRAM))
    assert isinstance(interaction, Interaction)
    assert interaction.occurred_at == received
