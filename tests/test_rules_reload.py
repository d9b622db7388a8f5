"""Rule changes reach every rules replica within a second, with no restart and no stale cache,
proved with two rules processes sharing the interactions queue."""

from __future__ import annotations

import re
import time

import httpx

from devtools.launcher import Stack
from tests.support import create_rule, interaction, post, tickets, unique, wait_until

PROMISED_SECONDS = 1.0
BATCH = 30


def tagged_after_the_promise(
    gateway: httpx.Client, ingestor: httpx.Client, *, changed_at: float, keyword: str, tag: str
) -> None:
    # The promise is "within a second": interactions sent once it has passed must all see the
    # change, whichever replica takes them.
    wait_until(
        lambda: time.monotonic() - changed_at >= PROMISED_SECONDS,
        interval=0.05,
        what="the promised propagation time",
    )
    # One at a time, so the two replicas share them (a burst may travel as one batch message).
    for n in range(BATCH):
        post(ingestor, interaction(thread=unique("post"), text=f"{keyword} {n}"))
    wait_until(
        lambda: len(tickets(gateway, tag=tag)) == BATCH,
        timeout=60,
        what=f"{BATCH} tickets tagged {tag}",
    )


def reload_lines(stack: Stack, name: str) -> list[int]:
    assert stack.log_dir is not None
    text = (stack.log_dir / f"{name}.log").read_text()
    return [int(r) for r in re.findall(r"rules reloaded: \d+ rules at revision (\d+)", text)]


def test_a_rule_change_reaches_both_replicas_within_a_second(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    second = stack.start_replica("rules", 1)
    try:
        stack.wait_healthy()
        keyword = unique("recarga").replace("-", "")
        first_tag, second_tag = unique("v1"), unique("v2")
        rule = create_rule(
            gateway,
            {
                "name": unique("hot reload"),
                "when": {"text_any": [keyword]},
                "then": {"open_ticket": {}, "add_tags": [first_tag]},
            },
        )
        changed_at = time.monotonic()
        tagged_after_the_promise(
            gateway, ingestor, changed_at=changed_at, keyword=keyword, tag=first_tag
        )

        replaced = gateway.put(
            f"/v1/rules/{rule['id']}",
            json={
                "name": rule["name"],
                "when": {"text_any": [keyword]},
                "then": {"open_ticket": {}, "add_tags": [second_tag]},
            },
        )
        assert replaced.status_code == 200
        changed_at = time.monotonic()
        tagged_after_the_promise(
            gateway, ingestor, changed_at=changed_at, keyword=keyword, tag=second_tag
        )
        assert len(tickets(gateway, tag=first_tag)) == BATCH  # the old version acted no more

        # Both processes took part and both evaluated with the replaced rule.
        latest = [reload_lines(stack, name)[-1:] for name in ("rules", "rules-1")]
        assert latest[0] and latest[0] == latest[1]
    finally:
        assert stack.stop_process(second) is not None
        stack.processes.remove(second)
