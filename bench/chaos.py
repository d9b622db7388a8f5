"""The chaos experiment (`make chaos`): does anything get lost, doubled or stuck when a process
or the broker dies in the middle of a run?

Run from the workspace root: ``.venv/bin/python bench/chaos.py [--conversations 300] [--per 10]
[--experiments baseline,ticketing,notifier,rules,broker] [--port-offset 5000]``.

Each experiment starts a RabbitMQ node of its own (``devtools.rabbit_node``: the machine's shared
node is never touched) and the five services on fresh SQLite files, with two ticketing replicas
and an SMTP sink, and creates two rules: one opens a ticket for every interaction of the run,
one mails an alert for the first interaction of each conversation. It then posts
``conversations x per`` interactions, conversations interleaved, in batches of 100, retrying a
batch answered 503 or not answered at all, as a connector would. Halfway through it injects its
fault, and then the whole system must recover by itself:

- ``baseline``: no fault;
- ``ticketing``, ``notifier``, ``rules``: ``kill -9`` of one process (ticketing's second
  replica), started again at once, as a supervisor would;
- ``broker``: ``kill -9`` of the RabbitMQ node, started again on the same data.

It reports sent, accepted (new + pending in the ingestor's answers), stored (interactions in
tickets, through the gateway), tickets, duplicate tickets (a conversation with more than one),
mails expected / sent / duplicated (mails naming the same conversation), every dead-letter
queue's depth, and the seconds from the fault's end (process or node started again) until every
service's ``/healthz`` answers 200. Targets: nothing lost, nothing doubled, nothing
dead-lettered, healthy within 10 s. Results are printed and saved under ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import json
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `devtools` importable
    sys.path.insert(0, str(ROOT))

from contracts import topology  # noqa: E402
from devtools import secretfile  # noqa: E402
from devtools.launcher import Process, Stack  # noqa: E402
from devtools.rabbit_node import RabbitNode  # noqa: E402

SECRETS = secretfile.generate()
"""The services have no default secrets: each run makes its own."""
ADMIN_TOKEN = SECRETS["SOCIALDESK_ADMIN_TOKEN"]
INGEST_KEY = SECRETS["SOCIALDESK_INGEST_KEY"]
ALERTS_TO = "chaos-alerts@example.com"
BATCH = 100
EXPERIMENTS = ("baseline", "ticketing", "notifier", "rules", "broker")
KILLED = {"ticketing": ("ticketing", 1), "notifier": ("notifier", 0), "rules": ("rules", 0)}
SETTLE_SECONDS = 180.0
QUIET_SECONDS = 15.0
"""A count that has not moved for this long, with everything else done, is final."""


@dataclass
class Result:
    experiment: str
    sent: int = 0
    accepted: int = 0
    stored: int = 0
    tickets: int = 0
    duplicate_tickets: int = 0
    missing_conversations: int = 0
    mails_expected: int = 0
    mails_sent: int = 0
    mails_duplicated: int = 0
    dlq: dict[str, int] = field(default_factory=dict)
    healthy_after_seconds: float | None = None
    post_retries: int = 0
    seconds: float = 0.0


def dead_letter_queues() -> list[str]:
    queues = [q for q in vars(topology).values() if isinstance(q, topology.ConsumerQueue)]
    return sorted(f"{q.name}.dlq" for q in queues)


async def _depths(url: str, names: list[str]) -> dict[str, int]:
    depths: dict[str, int] = {}
    connection = await aio_pika.connect(url)
    async with connection:
        for name in names:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(name, passive=True)
                depths[name] = int(queue.declaration_result.message_count or 0)
            except aio_pika.exceptions.ChannelClosed:
                depths[name] = 0  # never declared: nothing was dead-lettered there
    return depths


class HealthWatcher:
    """From ``start()`` (the process or node is back), the seconds until every service's
    /healthz answers 200, watched while the posting goes on."""

    LIMIT = 120.0

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._seconds: float | None = None

    def start(self) -> None:
        self._thread.start()

    def _watch(self) -> None:
        since = time.monotonic()
        while time.monotonic() - since < self.LIMIT:
            if self._stack.all_healthy():
                self._seconds = round(time.monotonic() - since, 1)
                return
            time.sleep(0.2)

    def result(self) -> float | None:
        self._thread.join()
        return self._seconds


def interactions(run: str, conversations: int, per: int) -> list[dict[str, Any]]:
    """Conversations interleaved (step 0 of every conversation, then step 1...); the first
    interaction of each asks for the alert. Every text names its conversation, so a mail can be
    traced to it."""
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    out = []
    for step in range(per):
        for c in range(conversations):
            conv = f"{run}-c{c}"
            urgent = f" urgent-{run}" if step == 0 else ""
            out.append(
                {
                    "channel": "facebook",
                    "account": "acme-page",
                    "external_id": f"{conv}-{step}",
                    "thread_id": conv,
                    "kind": "comment",
                    "author": {"id": f"fb-{c}", "name": f"Customer {c}"},
                    "text": f"{conv} message {step}{urgent}",
                    "occurred_at": (start + timedelta(seconds=step)).isoformat(),
                }
            )
    return out


def post_all(ingestor: httpx.Client, batches: list[list[dict[str, Any]]], result: Result) -> None:
    for batch in batches:
        while True:
            try:
                response = ingestor.post("/v1/interactions", json=batch)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 202:
                answer = response.json()
                result.accepted += answer["accepted"] + answer.get("pending", 0)
                break
            if response is not None and response.status_code == 503:
                # Kept in the outbox: the retry is answered as pending or duplicates.
                pass
            elif response is not None:
                raise RuntimeError(f"ingestor answered {response.status_code}: {response.text}")
            result.post_retries += 1
            time.sleep(0.5)
        result.sent += len(batch)


def ticket_counts(gateway: httpx.Client, run: str) -> tuple[Counter[str], int]:
    """Tickets per conversation, and interactions stored in them."""
    per_conversation: Counter[str] = Counter()
    stored = 0
    cursor = None
    while True:
        params: dict[str, Any] = {"page_size": 200}
        if cursor:
            params["cursor"] = cursor
        response = gateway.get("/v1/tickets", params=params)
        response.raise_for_status()
        page = response.json()
        for ticket in page["items"]:
            thread = ticket["thread_key"].rsplit(":thread:", 1)[-1]
            if thread.startswith(f"{run}-c"):
                per_conversation[thread] += 1
                stored += ticket["interaction_count"]
        cursor = page.get("next_cursor")
        if not cursor:
            return per_conversation, stored


def mails_per_conversation(mail_dir: Path, run: str) -> Counter[str]:
    pattern = re.compile(rf"{re.escape(run)}-c\d+\b")
    counts: Counter[str] = Counter()
    for path in mail_dir.glob("*.eml") if mail_dir.exists() else []:
        message = email.message_from_bytes(path.read_bytes())
        if ALERTS_TO not in (message.get("To") or ""):
            continue
        text = " ".join(
            part.get_payload(decode=True).decode("utf-8", "replace")
            for part in message.walk()
            if part.get_content_maintype() == "text"
        )
        named = set(pattern.findall(text + " " + (message.get("Subject") or "")))
        for conversation in named:
            counts[conversation] += 1
    return counts


def settle(probe: Any, done: Any) -> Any:
    """Poll ``probe`` until ``done(value)`` or until it has not changed for QUIET_SECONDS."""
    deadline = time.monotonic() + SETTLE_SECONDS
    last, since = None, time.monotonic()
    while True:
        value = probe()
        if done(value) or time.monotonic() > deadline:
            return value
        if value != last:
            last, since = value, time.monotonic()
        elif time.monotonic() - since > QUIET_SECONDS:
            return value
        time.sleep(1.0)


def restart(stack: Stack, service: str, replica: int) -> Process:
    name = service if replica == 0 else f"{service}-{replica}"
    old = next(p for p in stack.processes if p.name == name)
    old.popen.kill()  # SIGKILL: no graceful shutdown, in-flight work is cut
    old.popen.wait()
    stack.processes.remove(old)
    return stack.start_replica(service, replica)


def run_experiment(experiment: str, args: argparse.Namespace, work: Path) -> Result:
    result = Result(experiment)
    started = time.monotonic()
    run = f"chaos{uuid.uuid4().hex[:6]}"
    with RabbitNode(base_dir=work / f"{experiment}-rabbit") as node:
        stack = Stack(
            data_dir=work / experiment,
            env={
                "RABBITMQ_URL": node.url,
                **SECRETS,
                "SOCIALDESK_LOG_LEVEL": "WARNING",
            },
            replicas={"ticketing": 2},
            port_offset=args.port_offset,
            log_dir=work / experiment / "logs",
        )
        stack.start()
        try:
            stack.wait_healthy(timeout=120)
            gateway = httpx.Client(
                base_url=stack.url("gateway"),
                timeout=30,
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
            ingestor = httpx.Client(
                base_url=stack.url("ingestor"), timeout=30, headers={"X-Api-Key": INGEST_KEY}
            )
            for rule in (
                {
                    "name": f"{run} tickets",
                    "when": {"text_any": [run]},
                    "then": {"open_ticket": {}},
                },
                {
                    "name": f"{run} alert",
                    "when": {"text_any": [f"urgent-{run}"]},
                    "then": {"open_ticket": {}, "alert_emails": [ALERTS_TO]},
                },
            ):
                gateway.post("/v1/rules", json=rule).raise_for_status()
            items = interactions(run, args.conversations, args.per)
            batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
            half = len(batches) // 2
            post_all(ingestor, batches[:half], result)

            watcher = HealthWatcher(stack)
            if experiment == "broker":
                node.kill()

                def restart_node() -> None:
                    node.start()
                    watcher.start()

                # The node comes back while the posting goes on (answered 503 meanwhile).
                starter = threading.Thread(target=restart_node)
                starter.start()
                post_all(ingestor, batches[half:], result)
                starter.join()
            elif experiment in KILLED:
                restart(stack, *KILLED[experiment])
                watcher.start()
                post_all(ingestor, batches[half:], result)
            else:
                post_all(ingestor, batches[half:], result)
            if experiment != "baseline":
                result.healthy_after_seconds = watcher.result()

            total = args.conversations * args.per
            per_conversation, stored = settle(
                lambda: ticket_counts(gateway, run), lambda v: v[1] >= total
            )
            result.tickets = sum(per_conversation.values())
            result.stored = stored
            result.duplicate_tickets = sum(n - 1 for n in per_conversation.values() if n > 1)
            result.missing_conversations = args.conversations - len(per_conversation)
            result.mails_expected = args.conversations
            mails = settle(
                lambda: mails_per_conversation(stack.mail_dir, run),
                lambda m: len(m) >= args.conversations,
            )
            result.mails_sent = sum(mails.values())
            result.mails_duplicated = sum(n - 1 for n in mails.values() if n > 1)
            result.dlq = asyncio.run(_depths(node.url, dead_letter_queues()))
        finally:
            stack.stop()
    result.seconds = round(time.monotonic() - started, 1)
    return result


def table(results: list[Result]) -> str:
    head = (
        "| experiment | sent | accepted | stored | tickets | duplicate tickets | "
        "mails expected / sent / duplicated | DLQ | healthy after |"
    )
    lines = [head, "|" + "---|" * 9]
    for r in results:
        dlq = sum(r.dlq.values())
        healthy = "-" if r.healthy_after_seconds is None else f"{r.healthy_after_seconds} s"
        if r.experiment != "baseline" and r.healthy_after_seconds is None:
            healthy = "not within 120 s"
        lines.append(
            f"| {r.experiment} | {r.sent} | {r.accepted} | {r.stored} | {r.tickets} | "
            f"{r.duplicate_tickets} | {r.mails_expected} / {r.mails_sent} / "
            f"{r.mails_duplicated} | {dlq} | {healthy} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--per", type=int, default=10, help="interactions per conversation")
    parser.add_argument("--experiments", default=",".join(EXPERIMENTS))
    parser.add_argument("--port-offset", type=int, default=5000)
    parser.add_argument(
        "--keep", type=Path, help="keep the services' data, logs and mails in this directory"
    )
    args = parser.parse_args()
    chosen = [e.strip() for e in args.experiments.split(",") if e.strip()]
    unknown = set(chosen) - set(EXPERIMENTS)
    if unknown:
        parser.error(f"unknown experiments {sorted(unknown)}; choose from {EXPERIMENTS}")
    results = []
    with tempfile.TemporaryDirectory(prefix="sd-chaos-") as tmp:
        work = args.keep or Path(tmp)
        for experiment in chosen:
            result = run_experiment(experiment, args, work)
            print(json.dumps(asdict(result)), flush=True)
            results.append(result)
    print(table(results))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"chaos-{stamp}.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
