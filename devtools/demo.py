"""`make demo`: the two example rules from the product write-ups, a small set of realistic
interactions, and the tickets they become. Needs a running `make run`."""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from devtools import secretfile

GATEWAY = os.environ.get("SOCIALDESK_GATEWAY_URL", "http://127.0.0.1:8000")
INGESTOR = os.environ.get("SOCIALDESK_INGESTOR_URL", "http://127.0.0.1:8001")
# The secrets `make run` generated, unless the environment sets them.
_SECRETS = secretfile.load_or_create(Path(os.environ.get("SOCIALDESK_DATA_DIR", "var")))
ADMIN_TOKEN = _SECRETS["SOCIALDESK_ADMIN_TOKEN"]
INGEST_KEY = _SECRETS["SOCIALDESK_INGEST_KEY"]

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


def interactions(run: str) -> list[dict[str, Any]]:
    start = datetime.now(UTC) - timedelta(minutes=30)

    def at(minutes: int) -> str:
        return (start + timedelta(minutes=minutes)).isoformat()

    post = f"acme-post-{run}"
    tweet = f"tweet-{run}"
    return [
        {
            "channel": "facebook",
            "account": "acme.telecom",
            "external_id": f"fb-c1-{run}",
            "thread_id": post,
            "kind": "comment",
            "occurred_at": at(0),
            "author": {"id": "fb-1001", "name": "Maria Souza", "handle": "maria.souza"},
            "text": "Três dias sem internet! Se não resolverem hoje vou registrar na ANATEL.",
            "raw": {"object": "page", "field": "feed"},
        },
        {
            "channel": "facebook",
            "account": "acme.telecom",
            "external_id": f"fb-c2-{run}",
            "thread_id": post,
            "parent_id": f"fb-c1-{run}",
            "kind": "reply",
            "occurred_at": at(4),
            "author": {"id": "fb-1001", "name": "Maria Souza", "handle": "maria.souza"},
            "text": "Protocolo 4471 e até agora nada.",
        },
        {
            "channel": "instagram",
            "account": "acme.oficial",
            "external_id": f"ig-c1-{run}",
            "thread_id": f"ig-media-{run}",
            "kind": "comment",
            "occurred_at": at(6),
            "author": {"id": "ig-77", "name": "João Pedro", "handle": "jp.silva"},
            "text": "Amei o atendimento da loja do centro 😍",
        },
        {
            "channel": "twitter",
            "account": "acme",
            "external_id": f"tw-1-{run}",
            "thread_id": tweet,
            "kind": "reply",
            "occurred_at": at(9),
            "author": {
                "id": "tw-555",
                "name": "Dra. Ana Lima",
                "handle": "draanalima",
                "bio": "Médica cardiologista | HC-SP",
                "followers": 48200,
            },
            "text": "@acme o app de vocês não abre desde ontem. Alguém?",
        },
        {
            "channel": "google_business",
            "account": "acme-loja-centro",
            "external_id": f"gb-r1-{run}",
            "kind": "review",
            "rating": 1,
            "occurred_at": at(12),
            "author": {"id": "g-31", "name": "Carlos M."},
            "text": "Fila enorme e ninguém para atender.",
        },
    ]


def main() -> None:
    admin = httpx.Client(
        base_url=GATEWAY, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=15
    )
    ingest = httpx.Client(base_url=INGESTOR, headers={"X-Api-Key": INGEST_KEY}, timeout=15)
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

    run = uuid.uuid4().hex[:6]
    items = interactions(run)
    answer = ingest.post("/v1/interactions", json=items).raise_for_status().json()
    print(f"posted {len(items)} interactions: {answer}")

    threads = {f"acme-post-{run}", f"tweet-{run}"}
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
    print(
        "\nThe Instagram praise and the Google review matched no rule: they are stored, "
        "without a ticket.\nThe alert e-mail for the Anatel ticket is in var/mail/."
    )


if __name__ == "__main__":
    main()
