"""A polled network's calls (ingestor.pollers.http) against the fake networks in process:
Retry-After waited (tenacity), a long one throttles, quotas count and run out, and the health
an outcome leaves on the account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.accounts import AccountHealth, HealthState
from devtools.fakenets import youtube
from devtools.fakenets.app import create_app
from devtools.fakenets.state import FakeState, Fault
from ingestor.accounts import PollOutcome, next_health
from ingestor.pollers.http import Network, NetworkError, Quota, Throttled
from servicekit.clock import ManualClock

PATH = "/youtube/v3/commentThreads"
PARAMS = {"allThreadsRelatedToChannelId": "UC1"}


def network(
    state: FakeState, quota: Quota, clock: ManualClock, waits: list[float], **kw: object
) -> Network:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="http://fake"
    )
    return Network(client, quota, clock, sleep=sleep, classify=youtube_classify, **kw)  # type: ignore[arg-type]


def youtube_classify(response: httpx.Response, now: datetime) -> None:
    from ingestor.pollers.youtube import classify

    classify(response, now)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))


async def test_a_429_is_retried_after_what_retry_after_says(clock: ManualClock) -> None:
    state, waits = FakeState(), []
    state.faults[("youtube", "")] += [Fault(429, retry_after="7"), Fault(503)]
    net = network(state, Quota(None, "minute", {}), clock, waits)
    answer = await net.get(PATH, params=PARAMS)
    assert answer["items"] == []
    assert [r.status for r in state.records] == [429, 503, 200]
    assert waits[0] == 7  # as told; the 503 had no Retry-After: a short backoff
    assert 0 < waits[1] < 7


async def test_a_retry_after_longer_than_a_poll_throttles_until_then(clock: ManualClock) -> None:
    state, waits = FakeState(), []
    state.faults[("youtube", "")].append(Fault(429, retry_after="600"))
    net = network(state, Quota(None, "minute", {}), clock, waits, max_wait=30)
    with pytest.raises(Throttled) as caught:
        await net.get(PATH, params=PARAMS)
    assert caught.value.until == clock() + timedelta(seconds=600)
    assert waits == [] and len(state.records) == 1


async def test_5xx_past_the_attempts_is_an_error(clock: ManualClock) -> None:
    state, waits = FakeState(), []
    state.faults[("youtube", "")] += [Fault(500)] * 3
    net = network(state, Quota(None, "minute", {}), clock, waits, attempts=3)
    with pytest.raises(NetworkError):
        await net.get(PATH, params=PARAMS)
    assert len(state.records) == 3


async def test_youtube_units_run_out_before_the_call(clock: ManualClock) -> None:
    state, waits = FakeState(), []
    usage: dict[str, object] = {}
    net = network(state, Quota(2, "daily_pacific", usage), clock, waits)
    await net.get(PATH, params=PARAMS)
    await net.get(PATH, params=PARAMS)
    with pytest.raises(Throttled) as caught:
        await net.get(PATH, params=PARAMS)
    assert len(state.records) == 2  # the third call was never made
    # 12:00 UTC on 30 November is 04:00 in California: the units come back at 08:00 UTC.
    assert caught.value.until == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert usage == {"window": "2026-11-30", "used": 2}


async def test_youtubes_quota_answer_throttles(clock: ManualClock) -> None:
    state, waits = FakeState(), []
    state.faults[("youtube", "")].append(Fault(403, body=youtube.QUOTA_EXCEEDED))
    net = network(state, Quota(None, "daily_pacific", {}), clock, waits)
    with pytest.raises(Throttled) as caught:
        await net.get(PATH, params=PARAMS)
    assert waits == []
    assert caught.value.until == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # midnight Pacific


def test_health_after_each_outcome() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    health = AccountHealth()
    for n in range(1, 3):
        health = next_health(health, PollOutcome(error="503"), now=now, failing_after=3)
        assert (health.state, health.consecutive_failures) == (HealthState.OK, n)
    health = next_health(health, PollOutcome(error="503"), now=now, failing_after=3)
    assert (health.state, health.last_error) == (HealthState.FAILING, "503")
    throttled = next_health(health, PollOutcome(throttled_until=now), now=now, failing_after=3)
    assert (throttled.state, throttled.consecutive_failures) == (HealthState.THROTTLED, 0)
    ok = next_health(throttled, PollOutcome(), now=now, failing_after=3)
    assert (ok.state, ok.last_error, ok.last_poll_at) == (HealthState.OK, None, now)
