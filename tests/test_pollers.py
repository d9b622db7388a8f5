"""Pollers end to end: two ingestor replicas that poll (beside the stack's, which does not)
read the fake networks (devtools.fakenets) over HTTP, and what they find travels through the
outbox, RabbitMQ, rules and ticketing like any webhook delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from devtools.fakenets import meta, youtube
from devtools.launcher import Process, Stack
from tests.conftest import TEST_PORT_OFFSET
from tests.notifier_support import subject_of, text_of
from tests.support import ADMIN_EMAILS, create_rule, mails_to, unique, wait_until
from tests.test_webhooks_meta import comment, deliver, fake_meta, interactions_of, register

__all__ = ["fake_meta"]  # the fake networks' server, shared with the Meta webhook tests

REPLICAS = (1, 2)


def polling_env() -> dict[str, str]:
    fake = f"http://127.0.0.1:{8090 + TEST_PORT_OFFSET}"
    env = {
        "INGESTOR_POLLING": "true",
        "INGESTOR_POLL_TICK_SECONDS": "0.2",
        "INGESTOR_POLL_MAX_RETRY_AFTER_SECONDS": "5",
        "INGESTOR_POLL_LEASE_SECONDS": "20",
        "INGESTOR_META_GRAPH_URL": fake,
    }
    for network in ("youtube", "google", "reclameaqui", "linkedin", "meta"):
        env[f"INGESTOR_{network.upper()}_POLL_SECONDS"] = "1"
        if network != "meta":
            env[f"INGESTOR_{network.upper()}_BASE_URL"] = fake
    return env


def start_poller(stack: Stack, replica: int) -> Process:
    process = stack.start_replica("ingestor", replica, env=polling_env())
    wait_until(
        lambda: _up(f"{stack.url('ingestor', replica)}/healthz"),
        timeout=60,
        what=f"ingestor replica {replica}",
    )
    return process


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def pollers(stack: Stack, fake_meta: httpx.Client) -> Iterator[dict[int, Process]]:
    """Two polling replicas sharing the stack's store and RabbitMQ."""
    running = {replica: start_poller(stack, replica) for replica in REPLICAS}
    try:
        yield running
    finally:
        for process in running.values():
            stack.stop_process(process)
            # Gone for good: later tests' wait_healthy must not find it dead.
            stack.processes.remove(process)


def requests_for(fake: httpx.Client, network: str, account: str) -> list[dict[str, Any]]:
    answer = fake.get("/_fake/requests", params={"network": network, "account": account})
    return answer.json()  # type: ignore[no-any-return]


def rfc3339(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def add_youtube_comments(
    fake: httpx.Client, channel: str, count: int, *, start: datetime, prefix: str
) -> list[str]:
    ids = []
    for n in range(count):
        comment_id = f"{prefix}-{n}"
        ids.append(comment_id)
        fake.post(
            "/_fake/youtube/comments",
            json={
                "channel_id": channel,
                "video_id": f"{prefix}-video",
                "comment_id": comment_id,
                "text": f"Comentário {n}",
                "author_channel_id": f"UC-fan-{n}",
                "author_name": f"Fã {n}",
                "published_at": rfc3339(start + timedelta(seconds=n)),
            },
        ).raise_for_status()
    return ids


def ids_of(gateway: httpx.Client, account: str, count: int) -> list[str]:
    return [i["interaction"]["external_id"] for i in interactions_of(gateway, account, count)]


def test_youtube_comments_and_replies_become_interactions_once(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    # The channel's comments and the brand's reply are on the network before the account is
    # connected, so the first poll reads them all (more than one page). A reply added later to
    # a thread beyond the first page is not seen yet: a known gap (docs/channels.md).
    channel = unique("UC")
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    ids = add_youtube_comments(fake_meta, channel, 130, start=t0, prefix=unique("yt"))
    fake_meta.post(
        "/_fake/youtube/comments",
        json={
            "channel_id": channel,
            "video_id": "v",
            "comment_id": f"{ids[0]}.reply",
            "parent_id": ids[0],
            "text": "Obrigado pela resposta",
            "author_channel_id": channel,  # the brand's own reply
            "author_name": "Acme",
            "published_at": rfc3339(t0 + timedelta(hours=1)),
        },
    ).raise_for_status()
    account = register(
        gateway, "youtube", network_id=channel, collect=["comments"], credentials={"api_key": "k"}
    )
    found = interactions_of(gateway, account["id"], 131)
    before = len(requests_for(fake_meta, "youtube", channel))
    # Several more polls of the same comments add nothing.
    wait_until(
        lambda: len(requests_for(fake_meta, "youtube", channel)) >= before + 3,
        timeout=30,
        what="three more polls",
    )
    again = interactions_of(gateway, account["id"], 131)
    assert len(again) == 131
    assert sorted(i["interaction"]["external_id"] for i in found) == sorted(
        [*ids, f"{ids[0]}.reply"]
    )
    [reply] = [i["interaction"] for i in found if i["interaction"]["external_id"].endswith("reply")]
    assert (reply["kind"], reply["direction"], reply["parent_id"]) == ("reply", "outbound", ids[0])
    health = gateway.get(f"/v1/accounts/{account['id']}").json()["health"]
    assert health["state"] == "ok" and health["last_poll_at"] is not None


def test_two_replicas_never_poll_one_account_at_once(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    fake_meta.post("/_fake/youtube/delay", params={"seconds": 0.3}).raise_for_status()
    try:
        accounts = [register(gateway, "youtube", credentials={"api_key": "k"}) for _ in range(3)]
        for account in accounts:
            add_youtube_comments(
                fake_meta,
                account["network_id"],
                150,
                start=datetime(2026, 11, 2, tzinfo=UTC),
                prefix=unique("yt"),
            )

        def polled_often() -> bool:
            return all(
                len(requests_for(fake_meta, "youtube", a["network_id"])) >= 8 for a in accounts
            )

        wait_until(polled_often, timeout=90, what="each account polled a few times")
    finally:
        fake_meta.post("/_fake/youtube/delay", params={"seconds": 0}).raise_for_status()
    for account in accounts:
        records = requests_for(fake_meta, "youtube", account["network_id"])
        assert not [r for r in records if r["overlapped"]], account["id"]


def test_a_cursor_survives_an_ingestor_restart(
    stack: Stack, pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway, "youtube", credentials={"api_key": "k"})
    channel = account["network_id"]
    prefix = unique("yt")
    t0 = datetime(2026, 11, 3, tzinfo=UTC)
    add_youtube_comments(fake_meta, channel, 250, start=t0, prefix=prefix)
    interactions_of(gateway, account["id"], 250)
    wait_until(
        lambda: gateway.get(f"/v1/accounts/{account['id']}").json()["health"]["last_poll_at"],
        timeout=30,
        what="a complete poll",
    )
    for replica in REPLICAS:
        stack.stop_process(pollers[replica])
        stack.processes.remove(pollers[replica])
    seen = len(requests_for(fake_meta, "youtube", channel))
    fake_meta.post(
        "/_fake/youtube/comments",
        json={
            "channel_id": channel,
            "video_id": f"{prefix}-video",
            "comment_id": f"{prefix}-new",
            "text": "Chegou depois",
            "author_channel_id": "UC-late",
            "published_at": rfc3339(t0 + timedelta(days=1)),
        },
    ).raise_for_status()
    for replica in REPLICAS:
        pollers[replica] = start_poller(stack, replica)
    ids = ids_of(gateway, account["id"], 251)
    assert len(ids) == len(set(ids)) == 251
    after = requests_for(fake_meta, "youtube", channel)[seen:]
    assert after
    # Resumed from the saved cursor: the first page held the newest comment already seen, so
    # no poll after the restart read the older pages again.
    assert not [r for r in after if r["query"].get("pageToken")]


def test_retry_after_is_respected(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    client = unique("ra")
    account = register(
        gateway,
        "reclame_aqui",
        collect=["comments"],
        credentials={"client_id": client, "client_secret": "s"},
    )
    fake_meta.post(
        "/_fake/reclameaqui/faults",
        params={"account": client, "times": 2},
        json={"status": 429, "retry_after": "2"},
    ).raise_for_status()
    fake_meta.post(
        "/_fake/reclameaqui/tickets",
        json={
            "client_id": client,
            "ticket": {
                "id": 9001,
                "complaint_title": "Produto com defeito",
                "complaint_content": "Comprei e veio quebrado",
                "customer": {"name": "João", "email": ["joao@example.com"]},
                "ra_status": "Não respondida",
                "interactions": [
                    {
                        "id": 1,
                        "type": "CUSTOMER",
                        "message": "Alguém vai me responder?",
                        "creation_date": "2026-11-20T10:00:00Z",
                    }
                ],
                "creation_date": "2026-11-19T10:00:00Z",
                "last_modification_date": "2026-11-20T10:00:00Z",
            },
        },
    ).raise_for_status()
    found = interactions_of(gateway, account["id"], 2)
    assert sorted(i["interaction"]["kind"] for i in found) == ["post", "reply"]
    records = requests_for(fake_meta, "reclameaqui", client)
    limited = [n for n, r in enumerate(records) if r["status"] == 429]
    assert len(limited) == 2
    for n in limited:
        assert records[n + 1]["at"] - records[n]["at"] >= 1.9, records


def test_quota_exhaustion_throttles_the_account(
    stack: Stack, pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    out, other = (register(gateway, "youtube", credentials={"api_key": "k"}) for _ in range(2))
    fake_meta.post(
        "/_fake/youtube/faults",
        params={"account": out["network_id"]},
        json={"status": 403, "body": youtube.QUOTA_EXCEEDED},
    ).raise_for_status()

    def health() -> dict[str, Any]:
        return gateway.get(f"/v1/accounts/{out['id']}").json()["health"]  # type: ignore[no-any-return]

    def throttled_now() -> dict[str, Any] | None:
        now = health()  # one read per look, as in the failing account's test below
        return now if now["state"] == "throttled" else None

    throttled = wait_until(throttled_now, timeout=30, what="the account throttled")
    assert "quota" in throttled["last_error"] and throttled["consecutive_failures"] == 0
    asked = len(requests_for(fake_meta, "youtube", out["network_id"]))
    base = len(requests_for(fake_meta, "youtube", other["network_id"]))
    wait_until(
        lambda: len(requests_for(fake_meta, "youtube", other["network_id"])) >= base + 4,
        timeout=30,
        what="the other account polled on",
    )
    # Not an error storm: nothing more is asked until the quota resets (midnight Pacific).
    assert len(requests_for(fake_meta, "youtube", out["network_id"])) == asked
    assert health()["state"] == "throttled"
    mails = wait_until(
        lambda: health_mails(stack, out["id"]) or None, timeout=30, what="the quota mail"
    )
    assert mails == ["[Socialdesk] A conta Acme Brasil (youtube) esgotou a cota"]


def test_a_google_review_edited_then_deleted_shows_on_the_ticket(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    location = f"accounts/{unique('a')}/locations/{unique('l')}"
    account = register(
        gateway,
        "google_business",
        network_id=location,
        collect=["reviews"],
        credentials={"access_token": "ya29"},
    )
    keyword = unique("kw").replace("-", "")
    create_rule(
        gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    review_id = unique("rev")
    fake_meta.post(
        "/_fake/google/reviews",
        json={
            "location": location,
            "review_id": review_id,
            "comment": f"Atendimento péssimo {keyword}",
            "stars": 1,
            "reviewer": "Ana",
            "create_time": "2026-11-20T10:00:00Z",
        },
    ).raise_for_status()
    ticket_id = wait_until(
        lambda: interactions_of(gateway, account["id"], 1)[0].get("ticket_id"),
        timeout=60,
        what="the review's ticket",
    )
    [stored] = interactions_of(gateway, account["id"], 1)
    assert (stored["interaction"]["kind"], stored["interaction"]["rating"]) == ("review", 1)
    fake_meta.patch(
        f"/_fake/google/reviews/{review_id}",
        json={"comment": f"{keyword} resolveram, obrigado", "stars": 4},
    ).raise_for_status()

    def history(n: int) -> list[dict[str, Any]] | None:
        entries = gateway.get(f"/v1/tickets/{ticket_id}/history").json()
        changes = [h for h in entries if h["action"].startswith("interaction_")]
        return changes if len(changes) >= n else None

    [edited] = wait_until(lambda: history(1), timeout=60, what="the edit in the history")
    assert (edited["action"], edited["actor"]) == ("interaction_edited", "network:google_business")
    assert (edited["before"], edited["after"]) == (
        f"Atendimento péssimo {keyword}",
        f"{keyword} resolveram, obrigado",
    )
    fake_meta.delete(f"/_fake/google/reviews/{review_id}").raise_for_status()
    changes = wait_until(lambda: history(2), timeout=60, what="the removal in the history")
    assert [c["action"] for c in changes] == ["interaction_edited", "interaction_removed"]
    [kept] = gateway.get(f"/v1/tickets/{ticket_id}").json()["interactions"]
    assert kept["removed_at"] is not None
    assert kept["interaction"]["text"] == f"{keyword} resolveram, obrigado"


def test_linkedin_comments_become_interactions_once(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    org_id = unique("org")
    account = register(gateway, "linkedin", network_id=org_id, credentials={"access_token": "AQX"})
    org = f"urn:li:organization:{org_id}"
    post = f"urn:li:share:{unique('p')}"
    for n, actor in enumerate(["urn:li:person:a", "urn:li:person:b", org]):
        fake_meta.post(
            "/_fake/linkedin/comments",
            json={
                "organization": org,
                "post": post,
                "comment_id": f"{org_id}-{n}",
                "actor": actor,
                "text": f"Comentário {n}",
                "time_ms": 1_790_000_000_000 + n,
            },
        ).raise_for_status()
    found = interactions_of(gateway, account["id"], 3)
    before = len(requests_for(fake_meta, "linkedin", org))
    wait_until(
        lambda: len(requests_for(fake_meta, "linkedin", org)) >= before + 4,
        timeout=30,
        what="more polls",
    )
    assert len(interactions_of(gateway, account["id"], 3)) == 3
    directions = sorted(i["interaction"]["direction"] for i in found)
    assert directions == ["inbound", "inbound", "outbound"]
    assert {i["interaction"]["thread_id"] for i in found} == {post}


def test_meta_reconciliation_brings_what_the_webhook_dropped_once(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway)
    page = account["network_id"]
    post, now = unique("post"), int(datetime.now(UTC).timestamp())
    delivered, dropped = unique("c"), unique("c")
    entry = comment(account, "Chegou pelo webhook", comment_id=delivered, post_id=post)
    assert deliver(fake_meta, meta.delivery("page", [entry]))["status"] == 200
    value = entry["changes"][0]["value"]
    for comment_id, text in ((delivered, "Chegou pelo webhook"), (dropped, "Meta perdeu este")):
        fake_meta.post(
            "/_fake/meta/comments",
            json={
                "page_id": page,
                "post_id": post,
                "comment_id": comment_id,
                "from_id": value["from"]["id"],
                "from_name": "Maria Souza",
                "message": text,
                "created_time": now,
            },
        ).raise_for_status()
    mid = unique("m")
    fake_meta.post(
        "/_fake/meta/messages",
        json={
            "page_id": page,
            "customer_id": "psid-1",
            "mid": mid,
            "text": "Oi",
            "created_time": now,
        },
    ).raise_for_status()
    found = interactions_of(gateway, account["id"], 3)
    before = len(requests_for(fake_meta, "meta", page))
    wait_until(
        lambda: len(requests_for(fake_meta, "meta", page)) >= before + 4,
        timeout=30,
        what="more reconciliation polls",
    )
    again = interactions_of(gateway, account["id"], 3)
    assert len(again) == 3
    assert sorted(i["interaction"]["external_id"] for i in found) == sorted(
        [delivered, dropped, mid]
    )
    dm = next(i["interaction"] for i in found if i["interaction"]["external_id"] == mid)
    assert dm["thread_id"] == f"dm:{page}:psid-1" and dm["visibility"] == "private"


def health_mails(stack: Stack, account: str) -> list[str]:
    """The subjects of the health alerts the admins got about ``account``."""
    return [
        subject_of(m)
        for m in mails_to(stack.mail_dir, ADMIN_EMAILS)
        if f"Conta: {account}" in text_of(m).splitlines()
    ]


def test_repeated_errors_mark_the_account_failing_until_a_poll_succeeds(
    stack: Stack, pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    org_id = unique("org")
    org = f"urn:li:organization:{org_id}"
    account = register(gateway, "linkedin", network_id=org_id, credentials={"access_token": "x"})
    # Every try of three polls in a row (4 tries each) answers 503.
    fake_meta.post(
        "/_fake/linkedin/faults", params={"account": org, "times": 12}, json={"status": 503}
    ).raise_for_status()

    def health() -> dict[str, Any]:
        return gateway.get(f"/v1/accounts/{account['id']}").json()["health"]  # type: ignore[no-any-return]

    def in_state(state: str) -> dict[str, Any] | None:
        # One read per look: reading the health again to return it could see the next poll's.
        now = health()
        return now if now["state"] == state else None

    failing = wait_until(lambda: in_state("failing"), timeout=90, what="the account failing")
    assert failing["consecutive_failures"] == 3 and "503" in failing["last_error"]
    recovered = wait_until(lambda: in_state("ok"), timeout=60, what="the account ok again")
    assert recovered["consecutive_failures"] == 0 and recovered["last_error"] is None
    # The admins heard once of the incident and once of the recovery, though two replicas
    # polled it and the notifier runs twice.
    mails = wait_until(
        lambda: found if len(found := health_mails(stack, account["id"])) >= 2 else None,
        timeout=30,
        what="the incident and recovery mails",
    )
    assert sorted(mails) == sorted(
        [
            "[Socialdesk] A conta Acme Brasil (linkedin) está falhando",
            "[Socialdesk] A conta Acme Brasil (linkedin) voltou a funcionar",
        ]
    )


def test_one_malformed_polled_comment_is_set_aside_and_the_others_arrive(
    pollers: dict[int, Process],
    fake_meta: httpx.Client,
    gateway: httpx.Client,
    ingestor: httpx.Client,
) -> None:
    account = register(gateway, "youtube", credentials={"api_key": "k"})
    channel = account["network_id"]
    before = ingestor.get("/v1/webhooks/health").json()["unnormalisable"]
    ids = add_youtube_comments(
        fake_meta, channel, 2, start=datetime(2026, 11, 5, tzinfo=UTC), prefix=unique("yt")
    )
    # The network answers one comment with a date nobody can read.
    fake_meta.post(
        "/_fake/youtube/comments",
        json={
            "channel_id": channel,
            "video_id": "v",
            "comment_id": unique("odd"),
            "text": "data estranha",
            "author_channel_id": "UC-odd",
            "author_name": "Estranho",
            "published_at": "yesterday",
        },
    ).raise_for_status()
    assert sorted(ids_of(gateway, account["id"], 2)) == sorted(ids)
    wait_until(
        lambda: ingestor.get("/v1/webhooks/health").json()["unnormalisable"] > before,
        timeout=30,
        what="the odd comment counted as set aside",
    )
    # The cursor moved: a comment added later arrives too.
    later = add_youtube_comments(
        fake_meta, channel, 1, start=datetime(2026, 11, 6, tzinfo=UTC), prefix=unique("yt")
    )
    assert sorted(ids_of(gateway, account["id"], 3)) == sorted(ids + later)
    assert gateway.get(f"/v1/accounts/{account['id']}").json()["health"]["state"] == "ok"


def test_instagram_reconciliation_brings_what_the_webhook_dropped_once(
    pollers: dict[int, Process], fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway, "instagram")
    ig = account["network_id"]
    media, now = unique("media"), int(datetime.now(UTC).timestamp())
    delivered, dropped, reply = unique("igc"), unique("igc"), unique("igc")
    entry = meta.instagram_comment(
        ig_id=ig,
        comment_id=delivered,
        media_id=media,
        from_id="ig-fan",
        username="fa.da.marca",
        text="Chegou pelo webhook",
    )
    assert deliver(fake_meta, meta.delivery("instagram", [entry]))["status"] == 200
    for comment_id, text, parent, author in (
        (delivered, "Chegou pelo webhook", None, "ig-fan"),
        (dropped, "Meta perdeu este", None, "ig-fan"),
        (reply, "Obrigado!", dropped, ig),
    ):
        fake_meta.post(
            "/_fake/instagram/comments",
            json={
                "ig_id": ig,
                "media_id": media,
                "comment_id": comment_id,
                "from_id": author,
                "username": "acme" if author == ig else "fa.da.marca",
                "text": text,
                "created_time": now,
                "parent_id": parent,
            },
        ).raise_for_status()
    found = interactions_of(gateway, account["id"], 3)
    before = len(requests_for(fake_meta, "meta", ig))
    wait_until(
        lambda: len(requests_for(fake_meta, "meta", ig)) >= before + 2,
        timeout=30,
        what="more reconciliation polls",
    )
    again = interactions_of(gateway, account["id"], 3)
    assert len(found) == len(again) == 3
    by_id = {i["interaction"]["external_id"]: i["interaction"] for i in again}
    assert by_id[delivered]["text"] == "Chegou pelo webhook"
    assert by_id[dropped]["kind"] == "comment" and by_id[dropped]["thread_id"] == media
    assert by_id[reply]["parent_id"] == dropped and by_id[reply]["direction"] == "outbound"
