"""The replies benchmark (`make bench-replies`): is a reply ever posted twice or lost when an
ingestor dies in the middle of sending?

Run from the workspace root: ``.venv/bin/python bench/replies.py [--replies 2000]
[--delay 0.02] [--port-offset 6000]``.

It starts a RabbitMQ node of its own (``devtools.rabbit_node``), the services on fresh SQLite
files with **two ingestor replicas**, and the fake networks (devtools.fakenets) as the Graph
API, answering each publishing call after ``--delay`` seconds (a network that is not instant,
so calls are in flight when the kill comes). It registers a Facebook page, then publishes
``--replies`` ``reply.requested.v1`` events straight to the bus (the ingestor's side of the
path: ticketing's part is one outbox write per reply, measured by `make bench`). When half of
the outcomes are in, one replica gets ``kill -9`` and is started again at once.

It reports replies per second (outcomes over the time from the first request to the last
outcome), sent, uncertain (claimed by the killed replica and never answered for: the other
replica reports them uncertain rather than send again), failed, **posted twice** (the fake
recorded the same reply more than once: must be 0) and **lost** (no outcome at all: must be 0).
Results are printed and saved under ``bench/results/``."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `devtools` importable
    sys.path.insert(0, str(ROOT))

from contracts import topology  # noqa: E402
from contracts.interaction import Channel  # noqa: E402
from contracts.replies import ReplyMode, ReplyRequestedV1  # noqa: E402
from devtools import secretfile  # noqa: E402
from devtools.launcher import Stack  # noqa: E402
from devtools.rabbit_node import RabbitNode  # noqa: E402

SECRETS = secretfile.generate()
ADMIN_TOKEN = SECRETS["SOCIALDESK_ADMIN_TOKEN"]
FAKE_PORT = 8090
SETTLE_SECONDS = 300.0
QUIET_SECONDS = 30.0
"""No new outcome for this long, with replies still missing: they are counted lost."""


@dataclass
class Result:
    replies: int
    delay_seconds: float
    seconds: float = 0.0
    replies_per_second: float = 0.0
    sent: int = 0
    uncertain: int = 0
    failed: int = 0
    posted_twice: int = 0
    lost: int = 0
    killed_after: int = 0
    """Outcomes already in when the replica was killed."""


def requests(run: str, count: int) -> list[ReplyRequestedV1]:
    return [
        ReplyRequestedV1(
            reply_id=uuid.uuid4(),
            ticket_id=uuid.uuid4(),
            channel=Channel.FACEBOOK,
            account="bench-page",
            mode=ReplyMode.COMMENT_REPLY,
            target=f"{run}-c{n}",
            text=f"{run} reply {n}",
            author="agent:bench",
        )
        for n in range(count)
    ]


async def drive(stack: Stack, url: str, run: str, args: argparse.Namespace) -> Result:
    result = Result(replies=args.replies, delay_seconds=args.delay)
    wanted = requests(run, args.replies)
    outcomes: dict[str, str] = {}
    half_in = asyncio.Event()
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(topology.EVENTS_EXCHANGE)
        watch = await channel.declare_queue(exclusive=True)
        for key in ("reply.delivered.v1", "reply.failed.v1"):
            await watch.bind(exchange, key)

        async def outcome(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                body = json.loads(message.body)
                for event in body if isinstance(body, list) else [body]:
                    if event.get("uncertain"):
                        state = "uncertain"
                    elif "network_id" in event:
                        state = "sent"
                    else:
                        state = "failed"
                    outcomes.setdefault(event["reply_id"], state)
            if len(outcomes) >= args.replies // 2:
                half_in.set()

        await watch.consume(outcome)
        started = time.monotonic()
        for request in wanted:
            await exchange.publish(
                aio_pika.Message(
                    request.model_dump_json().encode(),
                    message_id=str(request.id),
                    correlation_id=str(request.id),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=request.routing_key,
            )
        await half_in.wait()
        result.killed_after = len(outcomes)
        victim = next(p for p in stack.processes if p.name == "ingestor")
        victim.popen.send_signal(signal.SIGKILL)  # kill -9: calls in flight are cut
        victim.popen.wait()
        stack.processes.remove(victim)
        stack.start_replica("ingestor", 0)
        last, since = len(outcomes), time.monotonic()
        last_at = time.monotonic()
        while len(outcomes) < args.replies and time.monotonic() - since < QUIET_SECONDS:
            await asyncio.sleep(0.1)
            if len(outcomes) != last:
                last, since, last_at = len(outcomes), time.monotonic(), time.monotonic()
        result.seconds = round(last_at - started, 2)
    states = Counter(outcomes[str(r.reply_id)] for r in wanted if str(r.reply_id) in outcomes)
    result.sent, result.uncertain, result.failed = (
        states["sent"],
        states["uncertain"],
        states["failed"],
    )
    result.lost = args.replies - len(outcomes)
    result.replies_per_second = round(len(outcomes) / result.seconds, 1) if result.seconds else 0
    return result


def posted_twice(fake: httpx.Client, run: str) -> int:
    posted = Counter(
        str(r["body"].get("message"))
        for r in fake.get("/_fake/requests", params={"network": "meta"}).json()
        if isinstance(r["body"], dict) and str(r["body"].get("message", "")).startswith(run)
    )
    return sum(1 for n in posted.values() if n > 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.02, help="the fake network's latency")
    parser.add_argument("--port-offset", type=int, default=6000)
    args = parser.parse_args()
    run = f"bench{uuid.uuid4().hex[:6]}"
    fake_port = FAKE_PORT + args.port_offset
    with (
        tempfile.TemporaryDirectory(prefix="sd-replies-") as tmp,
        RabbitNode(base_dir=Path(tmp) / "rabbit") as node,
    ):
        stack = Stack(
            data_dir=Path(tmp) / "stack",
            env={
                "RABBITMQ_URL": node.url,
                **SECRETS,
                "SOCIALDESK_LOG_LEVEL": "WARNING",
                "INGESTOR_POLLING": "false",
                "INGESTOR_META_GRAPH_URL": f"http://127.0.0.1:{fake_port}/v21.0",
            },
            replicas={"ingestor": 2},
            port_offset=args.port_offset,
            log_dir=Path(tmp) / "logs",
        )
        fake_process = subprocess.Popen(
            [sys.executable, "-m", "devtools.fakenets", "--port", str(fake_port)], cwd=ROOT
        )
        stack.start()
        try:
            stack.wait_healthy(timeout=120)
            fake = httpx.Client(base_url=f"http://127.0.0.1:{fake_port}", timeout=60)
            fake.post("/_fake/meta/delay", json={"seconds": args.delay}).raise_for_status()
            gateway = httpx.Client(
                base_url=stack.url("gateway"),
                timeout=30,
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
            gateway.post(
                "/v1/accounts",
                json={
                    "id": "bench-page",
                    "channel": "facebook",
                    "network_id": "1000",
                    "name": "Acme Brasil",
                    "credentials": {"page_access_token": "EAAB-bench"},
                },
            ).raise_for_status()
            result = asyncio.run(drive(stack, node.url, run, args))
            result.posted_twice = posted_twice(fake, run)
        finally:
            stack.stop()
            fake_process.terminate()
            fake_process.wait(timeout=10)
    print(json.dumps(asdict(result)), flush=True)
    verdict = "PASS" if result.posted_twice == 0 and result.lost == 0 else "FAIL"
    print(
        f"{result.replies} replies, two ingestors, one killed with kill -9 after "
        f"{result.killed_after} outcomes: {result.replies_per_second} replies/s; "
        f"sent {result.sent}, uncertain {result.uncertain}, failed {result.failed}, "
        f"posted twice {result.posted_twice}, lost {result.lost} — {verdict}"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"replies-{stamp}.json").write_text(json.dumps(asdict(result), indent=2))
    if verdict == "FAIL":
        sys.exit(1)


if __name__ == "__main__":
    main()
