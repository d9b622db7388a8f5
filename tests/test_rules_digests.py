"""Digest rules on the real bus with two rules replicas: each closed window's digest is
published once, listing the interactions that matched in it, and a window in which nothing
matched publishes nothing. Windows last 3 s here (the test-only unit, see conftest)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import httpx

from devtools.launcher import Stack
from tests.rules_bus import EventTap
from tests.support import create_rule, interaction, post, unique, wait_until

DIGEST = "digest.ready.v1"
PROPAGATION_SECONDS = 1.0


def review(word: str, rating: int) -> dict[str, Any]:
    return interaction(
        thread=unique("place"),
        channel="google_business",
        kind="review",
        rating=rating,
        text=f"{word}: {'péssimo' if rating < 3 else 'ótimo'}",
    )


def test_each_closed_window_is_published_once_with_two_replicas_listing_its_matches(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, rabbitmq_url: str
) -> None:
    second = stack.start_replica("rules", 1)
    try:
        stack.wait_healthy()
        word = unique("filial").replace("-", "")
        rule = create_rule(
            gateway,
            {
                "name": unique("bad reviews digest"),
                "when": {"text_any": [word], "rating_max": 2},
                "then": {"digest": {"every": "test_window", "emails": ["gerente@example.com"]}},
            },
        )
        changed_at = time.monotonic()
        wait_until(
            lambda: time.monotonic() - changed_at >= PROPAGATION_SECONDS,
            interval=0.05,
            what="the rule to reach both replicas",
        )

        def digests() -> list[dict[str, Any]]:
            return [e for e in tap.events(DIGEST) if e["rule_id"] == rule["id"]]

        def listed() -> list[str]:
            return [i["interaction_key"] for d in digests() for i in d["items"]]

        bad = [review(word, rating) for rating in (1, 2, 1)]
        with EventTap(rabbitmq_url, DIGEST) as tap:
            for item in [*bad, review(word, 5)]:
                post(ingestor, item)  # one by one, so both replicas take some
            expected = {f"google_business:{b['external_id']}" for b in bad}
            wait_until(lambda: set(listed()) >= expected, timeout=30, what="the digests")
            # A later window's digest: by then both replicas have looked at the earlier windows
            # many times, so a second publication of any of them would have arrived.
            sentinel = review(word, 1)
            post(ingestor, sentinel)
            key = f"google_business:{sentinel['external_id']}"
            wait_until(lambda: key in listed(), timeout=30, what="the sentinel's digest")
            published = digests()

        assert sorted(listed()) == sorted([*expected, key])
        per_window = Counter(d["window_start"] for d in published)
        assert set(per_window.values()) == {1}
        assert len({d["id"] for d in published}) == len(published)
        assert all(d["recipients"] == ["gerente@example.com"] for d in published)
        assert all(d["total_matched"] == len(d["items"]) > 0 for d in published)
    finally:
        assert stack.stop_process(second) is not None
        stack.processes.remove(second)
