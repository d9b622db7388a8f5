"""The YouTube poller against the fake YouTube in process: a remembered comment whose
``updatedAt`` moved is an edit, one no longer listed (or its whole thread) a removal, a reply
added to a thread far beyond the first page still arrives, and a poll re-reads no more threads
than it is allowed (each call counted against the daily units)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts.accounts import AccountHealth, AccountRead, Collect
from contracts.interaction import Channel
from devtools.fakenets.app import create_app
from devtools.fakenets.state import FakeState
from ingestor.pollers.base import Found, Poll
from ingestor.pollers.http import Network, Quota
from ingestor.pollers.youtube import Threads, classify
from servicekit.clock import ManualClock

CHANNEL = "UC-brand"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def rfc3339(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class Channelled:
    """One channel on the fake YouTube and its cursor, polled as the runner would."""

    def __init__(self, recheck: timedelta = timedelta(hours=48), per_poll: int = 20) -> None:
        self.state, self.cursor, self.usage = FakeState(), {}, {}  # type: ignore[var-annotated]
        self.app = create_app(self.state)
        self.poller = Threads(recheck, per_poll)
        self.clock = ManualClock(NOW)

    async def fake(self, method: str, path: str, body: Any = None) -> None:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
            (await client.request(method, path, json=body)).raise_for_status()

    async def add(self, comment_id: str, at: datetime, parent: str | None = None) -> None:
        body = {
            "channel_id": CHANNEL,
            "video_id": "vid",
            "comment_id": comment_id,
            "text": f"texto {comment_id}",
            "author_channel_id": "UC-fan",
            "author_name": "Fã",
            "published_at": rfc3339(at),
        }
        if parent:
            body["parent_id"] = parent
        await self.fake("POST", "/_fake/youtube/comments", body)

    async def poll(self) -> Found:
        account = AccountRead(
            id="acc-yt",
            channel=Channel.YOUTUBE,
            network_id=CHANNEL,
            name="Acme",
            collect=[Collect.COMMENTS],
            active=True,
            has_credentials=True,
            health=AccountHealth(),
            created_at=NOW,
            updated_at=NOW,
        )
        found = Found()
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
            network = Network(
                client, Quota(10_000, "daily_pacific", self.usage), self.clock, classify=classify
            )
            poll = Poll(account, {"api_key": "k"}, dict(self.cursor), network, found, self.clock())
            self.cursor = await self.poller(poll)
        return found

    def calls(self) -> list[str]:
        return [r.path for r in self.state.records if r.network == "youtube"]


def changes_of(found: Found) -> list[tuple[str, str, str | None]]:
    return [(c.key, c.change, c.text) for c in found.changes]


async def test_an_edited_comment_is_an_edit_with_its_new_text() -> None:
    yt = Channelled()
    await yt.add("c1", NOW - timedelta(hours=1))
    await yt.add("c1.r1", NOW - timedelta(minutes=50), parent="c1")
    first = await yt.poll()
    assert {i.external_id for i in first.interactions} == {"c1", "c1.r1"}
    assert first.changes == []
    later = rfc3339(NOW + timedelta(minutes=5))
    for comment_id, text in (("c1", "corrigido"), ("c1.r1", "editado")):
        edit = {"text": text, "updated_at": later}
        await yt.fake("PATCH", f"/_fake/youtube/comments/{comment_id}", edit)
    second = await yt.poll()
    assert sorted(changes_of(second)) == [
        ("youtube:c1", "edited", "corrigido"),
        ("youtube:c1.r1", "edited", "editado"),
    ]
    assert {c.actor for c in second.changes} == {"network:youtube"}
    assert changes_of(await yt.poll()) == []  # an edit is told once


async def test_a_deleted_reply_and_a_deleted_thread_are_removals() -> None:
    yt = Channelled()
    await yt.add("t1", NOW - timedelta(hours=2))
    await yt.add("t1.r1", NOW - timedelta(hours=1), parent="t1")
    await yt.add("t1.r2", NOW - timedelta(hours=1), parent="t1")
    await yt.add("t2", NOW - timedelta(hours=1))
    await yt.add("t2.r1", NOW - timedelta(minutes=30), parent="t2")
    await yt.poll()
    await yt.fake("DELETE", "/_fake/youtube/comments/t1.r2")
    await yt.fake("DELETE", "/_fake/youtube/comments/t2")
    found = await yt.poll()
    assert sorted(changes_of(found)) == [
        ("youtube:t1.r2", "removed", None),
        ("youtube:t2", "removed", None),
        ("youtube:t2.r1", "removed", None),
    ]
    assert changes_of(await yt.poll()) == []  # a removal is told once


async def test_a_late_reply_on_a_thread_beyond_the_first_page_arrives() -> None:
    yt = Channelled()
    await yt.add("old", NOW - timedelta(hours=3))
    for n in range(120):  # newer threads push "old" off the first page
        await yt.add(f"new{n}", NOW - timedelta(hours=2) + timedelta(seconds=n))
    await yt.poll()
    await yt.add("old.late", NOW, parent="old")
    # 20 threads re-read a poll, the least recently read first: all 121 within 7 polls.
    found = Found()
    for _ in range(7):
        found = await yt.poll()
        if "old.late" in {i.external_id for i in found.interactions}:
            break
    else:
        pytest.fail("the late reply never arrived")
    [late] = [i for i in found.interactions if i.external_id == "old.late"]
    assert (late.kind.value, late.parent_id) == ("reply", "old")


async def test_threads_outside_the_window_are_not_reread() -> None:
    yt = Channelled(recheck=timedelta(hours=1))
    await yt.add("stale", NOW - timedelta(days=3))
    await yt.poll()
    await yt.fake("DELETE", "/_fake/youtube/comments/stale")
    found = await yt.poll()
    assert found.changes == []
    assert "/youtube/v3/comments" not in yt.calls()


@pytest.mark.parametrize("per_poll", [0, 2])
async def test_a_poll_rereads_at_most_its_share_of_threads(per_poll: int) -> None:
    yt = Channelled(per_poll=per_poll)
    for n in range(5):
        await yt.add(f"t{n}", NOW - timedelta(minutes=n + 1))
    await yt.poll()
    before = len(yt.calls())
    await yt.poll()
    # The listing (1), one call for the threads by id and one for each thread's replies.
    assert len(yt.calls()) - before == 1 + (1 + per_poll if per_poll else 0)
