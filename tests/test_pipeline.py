"""The whole flow through real processes: ingestor -> rules -> ticketing -> notifier, read back
through the gateway and the SMTP sink."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor

import httpx

from devtools.launcher import Stack
from tests.people import level
from tests.support import (
    create_rule,
    interaction,
    mails_to,
    post,
    tickets_of_thread,
    unique,
    wait_until,
)


def test_matching_interaction_opens_the_right_ticket_and_sends_one_email(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    recipient = f"{unique('legal')}@example.com"
    legal = level(gateway)["name"]  # a rule may name only a level that exists
    create_rule(
        gateway,
        {
            "name": "Anatel complaints go to legal",
            "when": {
                "channels": ["facebook", "instagram"],
                "kinds": ["comment"],
                "text_any": ["anatel"],
            },
            "then": {
                "open_ticket": {"status": "new", "priority": "urgent", "level": legal},
                "add_tags": ["anatel"],
                "alert_emails": [recipient],
            },
        },
    )
    thread = unique("post")

    assert post(ingestor, interaction(thread=thread, text="Vou reclamar na ANATÉL!")) == {
        "accepted": 1,
        "duplicates": 0,
        "pending": 0,
    }

    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    assert ticket["priority"] == "urgent"
    assert ticket["level"] == legal
    assert ticket["status"] == "new"
    assert ticket["tags"] == ["anatel"]
    assert ticket["protocol"].startswith("2026-")
    [mail] = wait_until(lambda: mails_to(stack.mail_dir, recipient), what="the alert e-mail")
    assert ticket["protocol"] in mail["Subject"]
    history = gateway.get(f"/v1/tickets/{ticket['protocol']}/history").json()
    assert history[0]["action"] == "opened"
    assert "text contains 'anatel'" in history[0]["detail"]["rules"][0]["reasons"]


def test_interaction_no_rule_wants_is_stored_without_a_ticket(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text="Lindo produto, parabéns"))
    marker = unique("marker")
    create_rule(
        gateway,
        {
            "name": marker,
            "when": {"text_any": [marker]},
            "then": {"open_ticket": {"priority": "low"}},
        },
    )
    post(ingestor, interaction(thread=unique("post"), text=f"{marker} proves the flow ran"))
    wait_until(
        lambda: [
            t
            for t in gateway.get("/v1/tickets", params={"priority": "low"}).json()["items"]
            if marker in t["title"]
        ],
        what="the later ticket",
    )
    assert tickets_of_thread(gateway, thread) == []


def test_follow_ups_in_the_thread_land_in_the_same_ticket(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("defeito")
    create_rule(
        gateway,
        {
            "name": "defects",
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"priority": "high"}},
        },
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"Meu produto veio com {keyword}"))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")

    post(
        ingestor,
        [
            interaction(thread=thread, text="Alguém me responde?", minutes=1),
            interaction(thread=thread, text="Estou esperando", minutes=2),
        ],
    )

    def three_interactions() -> dict | None:
        detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
        return detail if detail["interaction_count"] == 3 else None

    detail = wait_until(three_interactions, what="both follow-ups on the ticket")
    assert [i["interaction"]["text"] for i in detail["interactions"]] == [
        f"Meu produto veio com {keyword}",
        "Alguém me responde?",
        "Estou esperando",
    ]
    assert len(tickets_of_thread(gateway, thread)) == 1


def test_customer_answer_reopens_a_pending_ticket(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("troca")
    create_rule(
        gateway,
        {
            "name": "exchanges",
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"status": "open"}},
        },
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"Quero fazer uma {keyword}"))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    assert (
        gateway.patch(f"/v1/tickets/{ticket['id']}", json={"status": "pending"}).json()["status"]
        == "pending"
    )

    post(ingestor, interaction(thread=thread, text="Segue o número do pedido", minutes=5))

    reopened = wait_until(
        lambda: [t for t in tickets_of_thread(gateway, thread) if t["status"] == "open"],
        what="the ticket back to open",
    )
    assert reopened[0]["id"] == ticket["id"]
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    assert [(h["field"], h["before"], h["after"]) for h in history if h["field"] == "status"] == [
        ("status", "open", "pending"),
        ("status", "pending", "open"),
    ]


def test_duplicate_delivery_changes_nothing(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    recipient = f"{unique('dup')}@example.com"
    keyword = unique("golpe")
    create_rule(
        gateway,
        {
            "name": "fraud",
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {}, "alert_emails": [recipient]},
        },
    )
    thread = unique("post")
    item = interaction(thread=thread, text=f"Isso é {keyword}")
    post(ingestor, item)
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    wait_until(lambda: mails_to(stack.mail_dir, recipient), what="the alert e-mail")

    assert post(ingestor, item) == {"accepted": 0, "duplicates": 1, "pending": 0}
    assert post(ingestor, [item, item]) == {"accepted": 0, "duplicates": 2, "pending": 0}

    # A later interaction proves the pipeline drained past the duplicates.
    post(ingestor, interaction(thread=thread, text="depois", minutes=1))
    wait_until(
        lambda: gateway.get(f"/v1/tickets/{ticket['id']}").json()["interaction_count"] == 2,
        what="the later interaction",
    )
    assert len(tickets_of_thread(gateway, thread)) == 1
    assert len(mails_to(stack.mail_dir, recipient)) == 1


def test_fifty_interactions_of_one_thread_posted_in_parallel_give_one_ticket(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("urgente")
    create_rule(
        gateway,
        {
            "name": "rush",
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"priority": "urgent"}},
        },
    )
    thread = unique("viral-post")
    items = [
        interaction(thread=thread, text=f"{keyword} {n}", author_id=f"user-{n}", minutes=n)
        for n in range(50)
    ]

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda item: post(ingestor, item), items))

    assert sum(r["accepted"] for r in results) == 50
    wait_until(
        lambda: [t for t in tickets_of_thread(gateway, thread) if t["interaction_count"] == 50],
        timeout=60,
        what="one ticket with 50 interactions",
    )
    [ticket] = tickets_of_thread(gateway, thread)
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert sorted(i["interaction"]["external_id"] for i in detail["interactions"]) == sorted(
        i["external_id"] for i in items
    )


def test_a_replica_stopped_mid_stream_finishes_its_work_and_loses_nothing(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("parada")
    create_rule(
        gateway, {"name": "shutdown", "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    threads = [unique("post") for _ in range(20)]
    items = [
        interaction(thread=t, text=f"{keyword} {n}", minutes=n) for n in range(10) for t in threads
    ]
    replica = next(p for p in stack.processes if p.name == "ticketing-1")

    post(ingestor, items[:100])
    # uvicorn re-raises SIGTERM after its graceful shutdown, so the exit status is -SIGTERM.
    assert stack.stop_process(replica) in (0, -signal.SIGTERM)
    assert stack.log_dir is not None
    log = (stack.log_dir / "ticketing-1.log").read_text()
    assert "FastStream app shut down gracefully" in log
    assert "Application shutdown complete" in log
    post(ingestor, items[100:])

    def all_ticketed() -> bool:
        counts = [t["interaction_count"] for th in threads for t in tickets_of_thread(gateway, th)]
        return len(counts) == 20 and sum(counts) == 200

    try:
        wait_until(all_ticketed, timeout=60, what="200 interactions on 20 tickets")
    finally:
        stack.processes.remove(replica)
        stack.start_replica("ticketing", 1)
        stack.wait_healthy()
