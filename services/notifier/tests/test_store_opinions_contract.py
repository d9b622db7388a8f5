"""What every notifier store adapter must do for notification settings and opinion requests:
settings per user, a request kept once, answered once, and its announcement relayed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from notifier.store.port import Answered, NotifierStore, OpinionRequest, StoredSettings
from servicekit.clock import ManualClock
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def request(**changes: Any) -> OpinionRequest:
    fields: dict[str, Any] = {
        "request_id": uuid4(),
        "ticket_id": uuid4(),
        "email": "perito@example.com",
        "expires_at": NOW + timedelta(hours=72),
        "shared": {"note": "Pode avaliar?", "ticket": {"protocol": "2026-000001"}},
    }
    return OpinionRequest(**{**fields, **changes})


def announcement() -> OutgoingMessage:
    return OutgoingMessage(uuid4(), "opinion.received.v1", b'{"v": 1}', None)


async def test_settings_are_kept_per_user_and_replaced_whole(store: NotifierStore) -> None:
    assert await store.get_settings("ana") is None
    await store.put_settings(StoredSettings("ana", "en", {"assigned": False}))
    await store.put_settings(StoredSettings("bob", None, {}))
    await store.put_settings(StoredSettings("ana", "pt-BR", {"digest": False}))
    assert await store.get_settings("ana") == StoredSettings("ana", "pt-BR", {"digest": False})
    found = await store.settings_of(["ana", "bob", "carla"])
    assert set(found) == {"ana", "bob"}


async def test_a_repeated_request_keeps_the_first_one(store: NotifierStore) -> None:
    first = request()
    await store.save_opinion_request(first)
    again = await store.save_opinion_request(
        request(request_id=first.request_id, expires_at=NOW + timedelta(days=30))
    )
    assert again.expires_at == first.expires_at
    assert again.shared == first.shared
    assert again.answered_at is None


async def test_a_request_is_answered_once(store: NotifierStore) -> None:
    saved = await store.save_opinion_request(request())
    first = await store.answer_opinion_request(
        saved.request_id, answered_at=NOW, announce=announcement()
    )
    second = await store.answer_opinion_request(
        saved.request_id, answered_at=NOW, announce=announcement()
    )
    assert (first, second) == (Answered.NOW, Answered.BEFORE)
    stored = await store.get_opinion_request(saved.request_id)
    assert stored is not None and stored.answered_at == NOW


async def test_answering_an_unknown_request_writes_nothing(store: NotifierStore) -> None:
    outcome = await store.answer_opinion_request(uuid4(), answered_at=NOW, announce=announcement())
    assert outcome is Answered.MISSING
    assert await store.claim_unpublished(older_than_seconds=0, lease_seconds=60, limit=10) == []


async def test_concurrent_answers_from_two_replicas_record_exactly_one(backend: Any) -> None:
    first, second = await backend.open(), await backend.open()
    saved = await first.save_opinion_request(request())
    outcomes = await asyncio.gather(
        *(
            replica.answer_opinion_request(
                saved.request_id, answered_at=NOW, announce=announcement()
            )
            for replica in (first, second, first, second)
        )
    )
    assert sorted(outcomes) == sorted([Answered.NOW] + [Answered.BEFORE] * 3)


async def test_an_unpublished_answer_is_relayed_until_marked_published(
    store: NotifierStore,
) -> None:
    saved = await store.save_opinion_request(request())
    event = announcement()
    await store.answer_opinion_request(saved.request_id, answered_at=NOW, announce=event)
    claimed = await store.claim_unpublished(older_than_seconds=0, lease_seconds=0, limit=10)
    assert [(m.id, m.body) for m in claimed] == [(event.id, event.body)]
    await store.mark_published([event.id])
    assert await store.claim_unpublished(older_than_seconds=0, lease_seconds=0, limit=10) == []


async def test_a_claimed_answer_is_not_relayed_twice_within_its_lease(backend: Any) -> None:
    first, second = await backend.open(), await backend.open()
    saved = await first.save_opinion_request(request())
    await first.answer_opinion_request(saved.request_id, answered_at=NOW, announce=announcement())
    assert len(await first.claim_unpublished(older_than_seconds=0, lease_seconds=60, limit=10)) == 1
    assert await second.claim_unpublished(older_than_seconds=0, lease_seconds=60, limit=10) == []


async def test_the_outbox_backlog_counts_unpublished_answers_and_ages_the_oldest(
    store: NotifierStore, clock: ManualClock
) -> None:
    assert await store.outbox_backlog() == Backlog()
    first, second = announcement(), announcement()
    for event in (first, second):
        saved = await store.save_opinion_request(request())
        await store.answer_opinion_request(saved.request_id, answered_at=clock(), announce=event)
        clock.advance(30)
    backlog = await store.outbox_backlog()
    assert backlog.events == 2
    assert backlog.oldest_age_seconds == pytest.approx(60, abs=0.01)
    await store.mark_published([first.id])
    backlog = await store.outbox_backlog()
    assert backlog.events == 1
    assert backlog.oldest_age_seconds == pytest.approx(30, abs=0.01)
    await store.mark_published([second.id])
    assert await store.outbox_backlog() == Backlog()
