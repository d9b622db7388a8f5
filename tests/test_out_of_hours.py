"""A level's out-of-hours message (F22) through the real services and the fake Graph API: a
comment arriving while the level's calendar is closed is answered once; a second one inside
the automatic replies' cooldown is not (said in the history); after the cooldown (the test
clock moved, never slept) the next one is answered again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from devtools.fakenets import meta
from tests.support import create_rule, unique, wait_until
from tests.test_replies import Desk, sent_to_graph
from tests.test_sla import Clock, clock  # noqa: F401  (clock is a fixture)
from tests.test_webhooks_meta import comment, deliver, fake_meta  # noqa: F401


def closed_level(gateway: httpx.Client, desk: Desk, text: str) -> None:
    """The desk's level on a calendar with no opening at all (always closed)."""
    calendar = unique("closed")
    made = gateway.post("/v1/calendars", json={"name": calendar, "timezone": "UTC", "weekly": {}})
    assert made.status_code == 201, made.text
    settings = {k: v for k, v in desk.level.items() if k != "agents"}
    changed = gateway.put(
        f"/v1/levels/{desk.level['name']}",
        json={
            **settings,
            "calendar": calendar,
            "out_of_hours_reply": {
                "language": "en",
                "texts": {"pt-BR": "Estamos fora do horário.", "en": text},
            },
        },
    )
    assert changed.status_code == 200, changed.text


def test_an_out_of_hours_message_is_sent_once_within_the_cooldown_and_again_after_it(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
    clock: Clock,  # noqa: F811
) -> None:
    desk = Desk(gateway)
    answer = f"We are closed now, back at 9 {unique('ooh')}"
    closed_level(gateway, desk, answer)
    word = unique("noite").replace("-", "")
    create_rule(
        gateway,
        {
            "name": word,
            "when": {"text_any": [word]},
            "then": {"open_ticket": {"level": desk.level["name"]}},
        },
    )
    post_id = unique("post")

    def say(text: str) -> str:
        item = comment(desk.account, f"{word} {text}", post_id=post_id)
        assert deliver(fake_meta, meta.delivery("page", [item]))["status"] == 200
        return str(item["changes"][0]["value"]["comment_id"])

    first = say("alguém aí?")
    [call] = wait_until(
        lambda: sent_to_graph(fake_meta, answer), timeout=60, what="the out-of-hours reply"
    )
    assert call["path"] == f"/v21.0/{first}/comments"
    ticket_id = desk.stored(first)["ticket_id"]

    def history() -> list[dict[str, Any]]:
        return gateway.get(f"/v1/tickets/{ticket_id}/history").json()  # type: ignore[no-any-return]

    say("oi?")
    actor = f"out_of_hours:{desk.level['name']}"
    [skipped] = wait_until(
        lambda: [h for h in history() if h["action"] == "auto_reply_skipped"] or None,
        timeout=30,
        what="the second out-of-hours reply skipped",
    )
    assert skipped["actor"] == actor
    assert "less than" in skipped["detail"]["reason"]
    assert len(sent_to_graph(fake_meta, answer)) == 1

    clock.advance(timedelta(hours=25))
    third = say("ainda fechado?")
    calls = wait_until(
        lambda: sent_to_graph(fake_meta, answer)[1:] or None,
        timeout=60,
        what="the out-of-hours reply after the cooldown",
    )
    assert [c["path"] for c in calls] == [f"/v21.0/{third}/comments"]
    written = [h["actor"] for h in history() if h["action"] == "reply_written"]
    assert written == [actor, actor]
