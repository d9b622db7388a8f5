"""Replaying an account's kept raw deliveries (POST /v1/accounts/{id}/replay): what is
already stored creates nothing; what was set aside (here: the page was registered after its
comments arrived) becomes interactions, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from devtools.fakenets import meta
from tests.support import invalid, unique
from tests.test_webhooks_meta import comment, deliver, fake_meta, interactions_of, register

__all__ = ["fake_meta"]


def replay(gateway: httpx.Client, account: str, since: datetime, until: datetime) -> Any:
    answer = gateway.post(
        f"/v1/accounts/{account}/replay",
        json={"from": since.isoformat(), "to": until.isoformat()},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_replay_brings_what_arrived_before_the_page_was_registered_once(
    fake_meta: httpx.Client, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    start = datetime.now(UTC) - timedelta(seconds=5)
    page = unique("1000")
    early = {"network_id": page}
    before = ingestor.get("/v1/webhooks/health").json()["unknown_account"]
    deliver(fake_meta, meta.delivery("page", [comment(early, "cedo 1"), comment(early, "cedo 2")]))
    assert ingestor.get("/v1/webhooks/health").json()["unknown_account"] == before + 2
    account = register(gateway, network_id=page)
    deliver(fake_meta, meta.delivery("page", [comment(account, "depois")]))
    [later] = interactions_of(gateway, account["id"], 1)
    assert later["interaction"]["text"] == "depois"

    end = datetime.now(UTC) + timedelta(seconds=5)
    first = replay(gateway, account["id"], start, end)
    assert first["deliveries"] >= 2
    assert (first["accepted"], first["duplicates"]) == (2, 1)
    texts = sorted(s["interaction"]["text"] for s in interactions_of(gateway, account["id"], 3))
    assert texts == ["cedo 1", "cedo 2", "depois"]
    # The same window again: everything is stored already.
    again = replay(gateway, account["id"], start, end)
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    # A window before this page's deliveries finds nothing of it (other tests' deliveries
    # may be in it: they belong to other accounts).
    before_it = replay(gateway, account["id"], start - timedelta(days=1), start)
    assert (before_it["accepted"], before_it["duplicates"]) == (0, 0)


def test_a_replay_window_that_ends_before_it_starts_is_refused(gateway: httpx.Client) -> None:
    account = register(gateway)
    now = datetime.now(UTC)
    answer = gateway.post(
        f"/v1/accounts/{account['id']}/replay",
        json={"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()},
    )
    assert answer.status_code == 422, answer.text
    assert any("`to` must be after `from`" in why for why in invalid(answer).values())
    missing = gateway.post(
        "/v1/accounts/nobody-here/replay",
        json={"from": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat()},
    )
    assert missing.status_code == 404, missing.text
