"""`make demo`: the two example rules from the product write-ups, the brand's accounts, a
small set of realistic comments, a mention and a review sent through the fake networks' real
webhooks (signed) and polls, and the tickets they become. Needs a running `make run`, which
starts the fake networks beside the services."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from devtools import localnets, secretfile
from devtools.fakenets import meta, x

GATEWAY = os.environ.get("SOCIALDESK_GATEWAY_URL", "http://127.0.0.1:8000")
# The secrets `make run` generated, unless the environment sets them.
_SECRETS = secretfile.load_or_create(Path(os.environ.get("SOCIALDESK_DATA_DIR", "var")))
ADMIN_TOKEN = _SECRETS["SOCIALDESK_ADMIN_TOKEN"]

RULES: list[dict[str, Any]] = [
    {
        "name": "Anatel em comentários: urgente para o jurídico",
        "when": {
            "channels": ["facebook", "instagram"],
            "kinds": ["comment"],
            "text_any": ["anatel"],
        },
        "then": {
            "open_ticket": {"status": "new", "priority": "urgent", "level": "legal"},
            "add_tags": ["anatel"],
            "alert_emails": ["juridico@example.com"],
        },
    },
    {
        "name": "Médicos no X: prioridade alta",
        "when": {"channels": ["twitter"], "author_bio_any": ["médico", "médica"]},
        "then": {"open_ticket": {"status": "new", "priority": "high"}, "add_tags": ["medico"]},
    },
]


ACCOUNTS: list[dict[str, Any]] = [
    {"id": "acme.telecom", "channel": "facebook", "network_id": "1000001", "name": "Acme Telecom"},
    {"id": "acme.oficial", "channel": "instagram", "network_id": "1780001", "name": "Acme"},
    {
        "id": "acme",
        "channel": "twitter",
        "network_id": "9000001",
        "name": "Acme no X",
        "collect": ["mentions", "comments", "direct_messages"],
    },
    {
        "id": "acme-loja-centro",
        "channel": "google_business",
        "network_id": "accounts/1/locations/centro",
        "name": "Acme Loja Centro",
        "collect": ["reviews"],
    },
]
CREDENTIALS = {
    "facebook": {"page_access_token": "demo-page-token"},
    "instagram": {"page_access_token": "demo-page-token"},
    "twitter": {"access_token": "demo-x-token"},
    "google_business": {"access_token": "demo-google-token"},
}


def feed(fakes: httpx.Client, run: str) -> tuple[list[str], set[str]]:
    """What the customers write, sent by the fake networks as the real ones would: Meta and X
    sign webhook deliveries to the ingestor, Google's review waits to be polled. What was
    posted (for the screen) and the threads that should become tickets."""
    page, post = "1000001", f"1000001_{run}"
    sent: list[str] = []
    anatel = meta.page_comment(
        page_id=page,
        comment_id=f"{post}_c1",
        post_id=post,
        from_id="fb-1001",
        from_name="Maria Souza",
        message="Três dias sem internet! Se não resolverem hoje vou registrar na ANATEL.",
    )
    again = meta.page_comment(
        page_id=page,
        comment_id=f"{post}_c2",
        post_id=post,
        from_id="fb-1001",
        from_name="Maria Souza",
        message="Protocolo 4471 e até agora nada.",
        parent_id=f"{post}_c1",
    )
    praise = meta.instagram_comment(
        ig_id="1780001",
        comment_id=f"ig-{run}",
        media_id=f"ig-media-{run}",
        from_id="ig-77",
        username="jp.silva",
        text="Amei o atendimento da loja do centro 😍",
    )
    for delivery, what in (
        (meta.delivery("page", [anatel, again]), "Meta webhook: 2 Facebook comments"),
        (meta.delivery("instagram", [praise]), "Meta webhook: 1 Instagram comment"),
    ):
        answer = fakes.post("/_fake/meta/deliver", content=meta.encode(delivery)).json()
        sent.append(f"{what} -> {answer['status']} {answer['body']}")
    doctor = x.user("555", "draanalima", "Dra. Ana Lima")
    doctor["description"], doctor["followers_count"] = "Médica cardiologista | HC-SP", 48200
    tweet = x.tweet(
        tweet_id=f"7{int(time.time() * 1000)}",
        author=doctor,
        text="@acme o app de vocês não abre desde ontem. Alguém?",
    )
    answer = fakes.post(
        "/_fake/x/deliver",
        content=x.encode(x.delivery("9000001", tweet_create_events=[tweet])),
    ).json()
    sent.append(f"X webhook: 1 mention -> {answer['status']} {answer['body']}")
    fakes.post(
        "/_fake/google/reviews",
        json={
            "location": "accounts/1/locations/centro",
            "review_id": f"r-{run}",
            "comment": "Fila enorme e ninguém para atender.",
            "stars": 1,
            "reviewer": "Carlos M.",
        },
    ).raise_for_status()
    sent.append("Google Business Profile: 1 one-star review, for the poller to read")
    return sent, {post, str(tweet["id_str"])}


def main() -> None:
    admin = httpx.Client(
        base_url=GATEWAY, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=15
    )
    try:
        existing = {r["name"] for r in admin.get("/v1/rules").raise_for_status().json()["items"]}
    except httpx.HTTPError as exc:
        sys.exit(f"make demo: cannot reach the gateway at {GATEWAY} ({exc}); start `make run`")
    # The first rule sends tickets to the level "legal": a rule may name only a level that
    # exists, so it is created first (409: it exists already).
    created = admin.post("/v1/levels", json={"name": "legal"})
    if created.status_code not in (201, 409):
        created.raise_for_status()
    for rule in RULES:
        if rule["name"] in existing:
            print(f"rule exists:  {rule['name']}")
        else:
            admin.post("/v1/rules", json=rule).raise_for_status()
            print(f"rule created: {rule['name']}")

    for account in ACCOUNTS:
        body = {**account, "credentials": CREDENTIALS[account["channel"]]}
        answer = admin.post("/v1/accounts", json=body)
        if answer.status_code not in (201, 409):
            answer.raise_for_status()
    fakes = httpx.Client(base_url=localnets.URL, timeout=30)
    try:
        fakes.get("/_fake/healthz").raise_for_status()
    except httpx.HTTPError as exc:
        sys.exit(f"make demo: the fake networks at {localnets.URL} do not answer ({exc})")
    run = uuid.uuid4().hex[:6]
    sent, threads = feed(fakes, run)
    print("\nposted through the fake networks:")
    for line in sent:
        print(f"  {line}")

    deadline = time.monotonic() + 20
    while True:
        mine = [
            t
            for t in admin.get("/v1/tickets", params={"page_size": 200}).json()["items"]
            if t["thread_key"].split(":")[-1] in threads
        ]
        if (len(mine) == len(threads) and sum(t["interaction_count"] for t in mine) == 3) or (
            time.monotonic() > deadline
        ):
            break
        time.sleep(0.2)
    print(
        f"\n{'protocol':<12} {'status':<7} {'priority':<8} {'level':<6} {'n':>2}  "
        f"{'tags':<12} title"
    )
    for t in sorted(mine, key=lambda t: t["protocol"]):
        print(
            f"{t['protocol']:<12} {t['status']:<7} {t['priority']:<8} {t['level'] or '-':<6} "
            f"{t['interaction_count']:>2}  {','.join(t['tags']):<12} {t['title']}"
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stored = admin.get("/v1/interactions", params={"account": "acme-loja-centro"}).json()
        if any(i["interaction"]["external_id"] == f"r-{run}" for i in stored["items"]):
            print("\nThe Google review arrived through the poller.")
            break
        time.sleep(0.5)
    else:
        print("\nThe Google review has not been polled yet (INGESTOR_GOOGLE_POLL_SECONDS).")
    print(
        "The Instagram praise and the Google review matched no rule: they are stored, "
        "without a ticket.\nThe alert e-mail for the Anatel ticket is in var/mail/."
    )


if __name__ == "__main__":
    main()
