"""The pipeline benchmark: how much of what RabbitMQ can move on this machine reaches tickets.

Run from the workspace root: ``.venv/bin/python bench/pipeline.py [--n 20000] [--batch 500]
[--threads-per 10] [--posters 4] [--replicas ticketing=2] [--skip-gateway]`` (``--help`` lists
the rest). Every part runs in a RabbitMQ vhost of its own, so it neither sees nor disturbs other
runs on the same server.

1. Raw RabbitMQ ceiling (``bench/_ceiling.py``): aio-pika publisher and consumer processes,
   50,000 persistent 500-byte messages with pipelined publisher confirms through a durable
   quorum queue, acknowledged one by one. One hop with no application work: what this broker
   and these cores move at best, and the yardstick for the next figure.
2. End to end: the five services as processes (``devtools.launcher.Stack``), one rule that
   opens a ticket for every bench interaction, and N interactions POSTed to the ingestor in
   JSON batches by concurrent clients. Each interaction travels ingestor -> rules -> ticketing
   and comes out as ``ticket.opened.v1`` (first of its thread) or ``ticket.changed.v1``; the
   bench hears those on a queue of its own. Each event carries its ``interaction_key``, so
   latency is event receipt - start of the POST that carried the interaction (interactions a
   ticket opening collected are timed by that opening; see ``Progress``). Throughput is
   N / (last event - first POST); the target is >= 30 % of the raw ceiling with one process
   per service, since three hops with validation, rules and store writes cannot reach 100 %
   but should not fall far below a third. The result is checked through the gateway:
   N / threads-per tickets holding N interactions in all. The ingestor accepts faster than
   the pipeline drains, so the latency is mostly the wait in the queues behind earlier batches.
2b. Open loop (``bench/_openloop.py``): on the same stack, one interaction per POST at a
   constant rate, half the end-to-end rate just measured, for ``--open-loop-seconds``; POST ->
   ticket event p50, p99 and max, against p50 <= 100 ms and p99 <= 500 ms: how fast one
   comment becomes a ticket on a normal day, which the flood's latency cannot say.
3. Gateway reads: 50 concurrent clients on ``GET /v1/tickets`` (HTTP -> gateway -> RPC over
   RabbitMQ -> ticketing -> SQLite and back), then on one ticket's ``GET /v1/tickets/{protocol}``
   (its interactions and sub-tickets), beside a FastAPI hello-world served by uvicorn
   with the launcher's flags, both measured by the same load generator in its own process
   (``bench/_httpload.py``, which says how far a Python client can be trusted here).

On 2 cores shared with whoever else runs tests, throughput moves with the load, so the load
average is noted before each part and every part also reports the CPU its processes spent
(``bench/_cpu.py``): CPU per message or per request is what the load does not change, and it
shows where the time goes. Figures are printed and saved as JSON under ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from aio_pika.abc import AbstractIncomingMessage

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `devtools` and `bench` importable
    sys.path.insert(0, str(ROOT))

from bench import _openloop as openloop  # noqa: E402
from bench import _profile as profiling  # noqa: E402
from bench._ceiling import CeilingResult, CeilingSpec, measure_ceiling  # noqa: E402
from bench._cpu import CpuMeter, rabbitmq_pid  # noqa: E402
from bench._httpload import LoadResult, hammer, percentile  # noqa: E402
from devtools import secretfile  # noqa: E402
from devtools.launcher import SERVICES, Stack, uvicorn_command  # noqa: E402
from devtools.vhost import isolated_vhost  # noqa: E402
from servicekit.publishing import BATCH_HEADER  # noqa: E402

TARGET_RATIO = 0.30
"""End-to-end interactions/s must reach this share of the raw one-hop ceiling."""
EVENTS_EXCHANGE = "socialdesk.events"
TICKET_EVENTS = ("ticket.opened.v1", "ticket.changed.v1")
RESULTS_DIR = ROOT / "bench" / "results"
PORT_OFFSET = int(os.environ.get("SOCIALDESK_TEST_PORT_OFFSET", "20000"))
"""The stack's ports: the cross tests' offset when one is set, so a bench beside them collides
with nothing."""
SERVICE_NAMES = tuple(spec.name for spec in SERVICES)
CHANNELS = ("facebook", "instagram", "twitter")
ACCOUNTS = {"facebook": "acme-page", "instagram": "acme.oficial", "twitter": "acme_br"}
OPENERS = (
    "Comprei uma geladeira há duas semanas e até agora nada de entrega, pedido {order}.",
    "O produto chegou com defeito e ninguém responde no SAC. Pedido {order}.",
    "Fui cobrada duas vezes no cartão pela mesma compra ({order}). Quero meu dinheiro de volta!",
    "Vou reclamar na Anatel se não resolverem minha internet hoje. Protocolo {order}.",
    "Péssimo atendimento na loja do shopping, o vendedor foi grosseiro comigo.",
    "Meu celular novo não liga desde ontem, já tentei de tudo. Nota fiscal {order}.",
    "Cancelei a assinatura e continuam cobrando. Isso é um absurdo!",
)
FOLLOW_UPS = (
    "Alguém pode me ajudar? Estou esperando resposta.",
    "Já mandei mensagem no privado e nada.",
    "Comigo aconteceu a mesma coisa, que vergonha.",
    "Segue o número do pedido: {order}",
    "Até agora ninguém entrou em contato.",
    "Obrigada pelo retorno, mas o problema continua.",
    "Vou procurar o Procon se não resolverem até amanhã.",
    "Também estou com esse problema há dias!",
)
PEOPLE = (
    ("Maria Souza", "Médica, mãe do Pedro"),
    ("João Pereira", "Engenheiro civil | Flamengo"),
    ("Ana Lima", ""),
    ("Carlos Oliveira", "Professor de história"),
    ("Fernanda Costa", "Advogada do consumidor"),
    ("Lucas Almeida", "Fotógrafo, São Paulo"),
    ("Juliana Ribeiro", "Jornalista"),
    ("Rafael Santos", ""),
)


@dataclass
class Verification:
    """What the gateway lists after the run."""

    tickets: int
    tickets_expected: int
    interactions: int
    interactions_expected: int

    @property
    def ok(self) -> bool:
        return (self.tickets, self.interactions) == (
            self.tickets_expected,
            self.interactions_expected,
        )


@dataclass
class PipelineResult:
    interactions: int
    batch: int
    threads_per: int
    posters: int
    replicas: dict[str, int]
    completed: bool
    interactions_ticketed: int
    with_own_event: int
    collected_at_open: int
    events_received: int
    event_messages_received: int
    accepted: int
    duplicates: int
    failed_posts: int
    seconds: float
    interactions_per_s: float
    ingest_seconds: float
    ingest_per_s: float
    latency_p50_ms: float
    latency_p99_ms: float
    latency_max_ms: float
    ceiling_ratio: float | None
    target_ratio: float
    verdict: str
    verification: Verification | None
    machine_busy_percent: float
    cpu_seconds: dict[str, float]

    @property
    def cpu_ms_per_interaction(self) -> float:
        """Every measured process (services, broker, bench) per interaction ticketed."""
        done = self.interactions_ticketed
        return 1000 * sum(self.cpu_seconds.values()) / done if done else 0.0


@dataclass
class ReadRun:
    """One HTTP read measurement and the CPU the serving processes spent on it."""

    load: LoadResult
    server_cpu_seconds: dict[str, float]

    @property
    def server_cpu_ms_per_request(self) -> float:
        count = self.load.requests_with_warmup
        return 1000 * sum(self.server_cpu_seconds.values()) / count if count else 0.0


@dataclass
class ReadsResult:
    gateway: ReadRun
    hello: ReadRun
    detail: ReadRun | None = None

    @property
    def ratio(self) -> float:
        hello = self.hello.load.req_per_s
        return self.gateway.load.req_per_s / hello if hello else 0.0

    @property
    def detail_ratio(self) -> float:
        hello = self.hello.load.req_per_s
        return self.detail.load.req_per_s / hello if hello and self.detail else 0.0


@dataclass
class BenchResult:
    started_at: str
    arguments: dict[str, Any]
    machine: dict[str, Any]
    load: dict[str, str] = field(default_factory=dict)
    ceiling: CeilingResult | None = None
    pipeline: PipelineResult | None = None
    open_loop: openloop.OpenLoopResult | None = None
    reads: ReadsResult | None = None
    logs: str | None = None


# ---------------------------------------------------------------------------------------------
# Small helpers


def load_note() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def note_load(result: BenchResult, part: str) -> None:
    result.load[part] = load_note()
    print(f"\n== {part}   [{result.load[part]}]", flush=True)


SECRETS = secretfile.generate()
"""The benchmark's own stack runs with fresh secrets (the services have no defaults)."""


def ingest_key() -> str:
    return SECRETS["SOCIALDESK_INGEST_KEY"]


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {SECRETS['SOCIALDESK_ADMIN_TOKEN']}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_replicas(values: Sequence[str]) -> dict[str, int]:
    replicas: dict[str, int] = {}
    for value in values:
        for item in value.split(","):
            name, _, count = item.partition("=")
            name = name.strip()
            if name not in SERVICE_NAMES or not count.isdigit() or int(count) < 1:
                raise argparse.ArgumentTypeError(
                    f"--replicas wants service=count with a service among "
                    f"{', '.join(SERVICE_NAMES)}; got {item!r}"
                )
            replicas[name] = int(count)
    return replicas


# ---------------------------------------------------------------------------------------------
# Part 1: the raw RabbitMQ ceiling


def run_ceiling(args: argparse.Namespace) -> CeilingResult:
    with isolated_vhost("socialdesk-bench-ceiling") as url:
        result = measure_ceiling(
            CeilingSpec(
                url=url,
                messages=args.ceiling_messages,
                size=args.ceiling_size,
                window=args.ceiling_window,
                prefetch=args.ceiling_prefetch,
            )
        )
    print(
        f"   {result.messages:,} x {result.size_bytes} B: {result.msg_per_s:,.0f} msg/s "
        f"published and consumed ({result.seconds:.1f} s; publisher alone "
        f"{result.publish_msg_per_s:,.0f} msg/s)",
        flush=True,
    )
    return result


# ---------------------------------------------------------------------------------------------
# Part 2: end to end


@dataclass
class Workload:
    """The interactions, already encoded as the bodies of the POSTs; which batch carries each
    interaction key, and which thread it belongs to."""

    bodies: list[bytes]
    batch_of: dict[str, int]
    thread_of: dict[str, str]
    threads_per: int


def build_workload(n: int, threads_per: int, batch: int, marker: str, seed: int = 7) -> Workload:
    """N interactions in N / threads_per threads (posts of the brand that customers comment
    on): channels rotate, the first of a thread is a complaint, the rest are comments and
    replies arriving over the next minute, so a thread spans a few batches as it would live."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    timed: list[tuple[float, dict[str, Any]]] = []
    for thread in range(n // threads_per):
        channel = CHANNELS[thread % len(CHANNELS)]
        thread_id = f"{run}-post-{thread}"
        opened_at = thread * 0.5
        first_id = ""
        for position in range(threads_per):
            external_id = f"{run}-{thread}-{position}"
            at = opened_at + (rng.uniform(1, 60) if position else 0.0)
            name, bio = rng.choice(PEOPLE)
            order = f"{rng.randrange(10**7, 10**8)}"
            text = rng.choice(FOLLOW_UPS if position else OPENERS).format(order=order)
            reply = position > 0 and rng.random() < 0.4
            item: dict[str, Any] = {
                "channel": channel,
                "account": ACCOUNTS[channel],
                "external_id": external_id,
                "thread_id": thread_id,
                "kind": "reply" if reply else "comment",
                "author": {
                    "id": f"{channel[:2]}-{rng.randrange(10**6)}",
                    "name": name,
                    "handle": "@" + name.lower().replace(" ", "."),
                    "bio": bio,
                },
                "text": f"{text} #{marker}",
                "language": "pt",
                "occurred_at": (base + timedelta(seconds=at)).isoformat(),
                "engagement": {"likes": rng.randrange(50), "replies": rng.randrange(5)},
                "raw": {"id": external_id, "created_time": int(base.timestamp() + at)},
            }
            if reply:
                item["parent_id"] = first_id
            first_id = first_id or external_id
            timed.append((at, item))
    timed.sort(key=lambda pair: pair[0])
    items = [item for _, item in timed]
    bodies: list[bytes] = []
    batch_of: dict[str, int] = {}
    thread_of: dict[str, str] = {}
    for index, start in enumerate(range(0, len(items), batch)):
        chunk = items[start : start + batch]
        payload = chunk[0] if batch == 1 else chunk  # one interaction: a plain object
        bodies.append(json.dumps(payload, ensure_ascii=False).encode())
        for item in chunk:
            key = f"{item['channel']}:{item['external_id']}"
            batch_of[key] = index
            thread_of[key] = item["thread_id"]
    return Workload(bodies, batch_of, thread_of, threads_per)


@dataclass
class Progress:
    """What the posters and the event listener have done so far, stamped with
    ``time.monotonic()``.

    Most interactions come out as an event of their own (``ticket.opened.v1`` for the one that
    opens its thread's ticket, ``ticket.changed.v1`` for each one added later). But when several
    interactions of a new thread are in ticketing at once, the one that opens the ticket also
    collects the others already stored (``create_ticket`` attaches every unticketed interaction
    of the thread), and those get no event of their own: the opening event's snapshot counts
    them (``interaction_count`` > 1). They are ticketed when that event is heard."""

    workload: Workload
    post_started: list[float | None]
    post_finished: list[float | None]
    seen: dict[str, float] = field(default_factory=dict)
    opened: dict[str, float] = field(default_factory=dict)
    per_thread: dict[str, int] = field(default_factory=dict)
    ticketed: int = 0
    collected: int = 0
    events: int = 0
    messages: int = 0
    accepted: int = 0
    duplicates: int = 0
    failed_posts: int = 0
    last_change: float = field(default_factory=time.monotonic)
    all_ticketed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_message(self, routing_key: str, body: bytes, headers: Mapping[str, Any]) -> None:
        """A plain message holds one event; a batch message (servicekit.publishing) several."""
        self.messages += 1
        parsed = json.loads(body)
        for event in parsed if BATCH_HEADER in headers else [parsed]:
            self.on_event(routing_key, event)

    def on_event(self, routing_key: str, event: dict[str, Any]) -> None:
        now = time.monotonic()
        self.events += 1
        key = event.get("interaction_key")
        thread = self.workload.thread_of.get(key)
        if thread is None or key in self.seen:
            return  # not ours, or a redelivery
        self.seen[key] = now
        count = 1
        if routing_key == "ticket.opened.v1" and thread not in self.opened:
            self.opened[thread] = now
            count = int(event["ticket"]["interaction_count"])
            self.collected += count - 1
        self.per_thread[thread] = self.per_thread.get(thread, 0) + count
        self.ticketed += count
        self.last_change = now
        if self.ticketed >= len(self.workload.batch_of):
            self.all_ticketed.set()

    def ticketed_at(self, key: str) -> float | None:
        """When the interaction was on a ticket: its own event, or else the opening event of
        its thread if that thread is complete (so the opening collected it)."""
        if key in self.seen:
            return self.seen[key]
        thread = self.workload.thread_of[key]
        if self.per_thread.get(thread, 0) >= self.workload.threads_per:
            return self.opened.get(thread)
        return None


async def create_bench_rule(gateway: str, marker: str) -> None:
    rule = {
        "name": f"bench {marker}",
        "when": {"text_any": [marker]},
        "then": {"open_ticket": {"priority": "high"}},
    }
    async with httpx.AsyncClient(base_url=gateway, headers=admin_headers(), timeout=30) as client:
        response = await client.post("/v1/rules", json=rule)
        if response.status_code != 201:
            raise RuntimeError(f"creating the bench rule failed: {response.text}")


async def listen_for_ticket_events(url: str, progress: Progress) -> aio_pika.abc.AbstractConnection:
    """An exclusive, auto-delete queue of the bench's own on the events exchange."""
    connection = await aio_pika.connect(url)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=1000)
    exchange = await channel.get_exchange(EVENTS_EXCHANGE)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    for routing_key in TICKET_EVENTS:
        await queue.bind(exchange, routing_key)

    async def on_message(message: AbstractIncomingMessage) -> None:
        progress.on_message(message.routing_key or "", message.body, message.headers or {})

    await queue.consume(on_message, no_ack=True)
    return connection


async def post_batches(ingestor: str, batches: Iterator[int], progress: Progress) -> None:
    """One poster: take the next batch, POST it, retry on a transport error or a 503 (the
    ingestor answers a repeated interaction as a duplicate, so a retry is safe)."""
    headers = {"X-Api-Key": ingest_key(), "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=ingestor, headers=headers, timeout=120) as client:
        for index in batches:
            progress.post_started[index] = time.monotonic()
            for attempt in range(5):
                try:
                    response = await client.post(
                        "/v1/interactions", content=progress.workload.bodies[index]
                    )
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code == 202:
                    answer = response.json()
                    progress.accepted += answer["accepted"]
                    progress.duplicates += answer["duplicates"]
                    progress.post_finished[index] = progress.last_change = time.monotonic()
                    break
                if response is not None and response.status_code < 500:
                    raise RuntimeError(f"POST refused: {response.status_code} {response.text}")
                await asyncio.sleep(0.5 * (attempt + 1))
            else:
                progress.failed_posts += 1


async def drive(
    stack: Stack, url: str, workload: Workload, posters: int, idle_timeout: float
) -> Progress:
    """Listen, post, and wait until every interaction is on a ticket (as the ticket events
    tell), or until nothing moved for ``idle_timeout`` seconds."""
    count = len(workload.bodies)
    progress = Progress(workload, [None] * count, [None] * count)
    connection = await listen_for_ticket_events(url, progress)
    try:
        batches = iter(range(count))
        posting = asyncio.gather(
            *(post_batches(stack.url("ingestor"), batches, progress) for _ in range(posters))
        )
        began = time.monotonic()
        next_report = began + 5
        while not progress.all_ticketed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(progress.all_ticketed.wait(), 1.0)
            if posting.done() and posting.exception() is not None:
                break
            now = time.monotonic()
            if now - progress.last_change > idle_timeout:
                print(f"   no progress for {idle_timeout:.0f} s: giving up", flush=True)
                break
            if now >= next_report:
                posted = sum(1 for t in progress.post_finished if t is not None)
                print(
                    f"   [{now - began:5.0f} s] posted {posted}/{count} batches, "
                    f"{progress.ticketed:,}/{len(workload.batch_of):,} interactions ticketed",
                    flush=True,
                )
                next_report += 5
        if not posting.done():
            posting.cancel()
        try:
            await posting
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            print(f"   posting failed: {exc}", flush=True)
    finally:
        await connection.close()
    return progress


async def verify(gateway: str, tickets_expected: int, interactions_expected: int) -> Verification:
    tickets = interactions = 0
    async with httpx.AsyncClient(base_url=gateway, headers=admin_headers(), timeout=60) as client:
        params: dict[str, str | int] = {"page_size": 200}
        while True:
            response = await client.get("/v1/tickets", params=params)
            response.raise_for_status()
            listing = response.json()
            tickets += len(listing["items"])
            interactions += sum(t["interaction_count"] for t in listing["items"])
            if listing.get("next_cursor") is None:
                break
            params["cursor"] = listing["next_cursor"]
    return Verification(tickets, tickets_expected, interactions, interactions_expected)


def summarise(
    progress: Progress,
    args: argparse.Namespace,
    replicas: dict[str, int],
    ceiling: CeilingResult | None,
    verification: Verification | None,
    cpu: tuple[dict[str, float], float],
) -> PipelineResult:
    workload = progress.workload
    n = len(workload.batch_of)
    starts = [t for t in progress.post_started if t is not None]
    ends = [t for t in progress.post_finished if t is not None]
    first = min(starts) if starts else 0.0
    last_event = max(progress.seen.values(), default=first)
    seconds = last_event - first
    all_posted = len(ends) == len(progress.post_started)
    ingest_seconds = (max(ends) - first) if all_posted else 0.0
    latencies = []
    for key, batch in workload.batch_of.items():
        at, posted = progress.ticketed_at(key), progress.post_started[batch]
        if at is not None and posted is not None:
            latencies.append(at - posted)
    latencies.sort()
    rate = progress.ticketed / seconds if seconds > 0 else 0.0
    ratio = rate / ceiling.msg_per_s if ceiling else None
    completed = progress.ticketed >= n
    if ratio is None:
        verdict = "n/a (no ceiling measured)"
    else:
        verdict = "PASS" if completed and ratio >= TARGET_RATIO else "MISS"
    return PipelineResult(
        interactions=n,
        batch=args.batch,
        threads_per=args.threads_per,
        posters=args.posters,
        replicas=replicas,
        completed=completed,
        interactions_ticketed=progress.ticketed,
        with_own_event=len(progress.seen),
        collected_at_open=progress.collected,
        events_received=progress.events,
        event_messages_received=progress.messages,
        accepted=progress.accepted,
        duplicates=progress.duplicates,
        failed_posts=progress.failed_posts,
        seconds=seconds,
        interactions_per_s=rate,
        ingest_seconds=ingest_seconds,
        ingest_per_s=n / ingest_seconds if ingest_seconds else 0.0,
        latency_p50_ms=percentile(latencies, 0.50) * 1000,
        latency_p99_ms=percentile(latencies, 0.99) * 1000,
        latency_max_ms=(latencies[-1] if latencies else 0.0) * 1000,
        ceiling_ratio=ratio,
        target_ratio=TARGET_RATIO,
        verdict=verdict,
        verification=verification,
        machine_busy_percent=cpu[1],
        cpu_seconds=cpu[0],
    )


def measured_pids(stack: Stack) -> dict[str, int]:
    """The services' processes, the bench itself and the local broker."""
    pids = {p.name: p.popen.pid for p in stack.processes}
    pids["bench"] = os.getpid()
    if (broker := rabbitmq_pid()) is not None:
        pids["rabbitmq"] = broker
    return pids


async def run_pipeline(
    stack: Stack,
    url: str,
    args: argparse.Namespace,
    replicas: dict[str, int],
    ceiling: CeilingResult | None,
    marker: str,
) -> PipelineResult:
    await create_bench_rule(stack.url("gateway"), marker)
    workload = build_workload(args.n, args.threads_per, args.batch, marker)
    await asyncio.sleep(1.0)  # every rules replica picks the rule up within its refresh time
    meter = CpuMeter(measured_pids(stack))
    services = {p.name: p.popen.pid for p in stack.processes}
    with profiling.recording(services, args.profile):
        progress = await drive(stack, url, workload, args.posters, args.idle_timeout)
    cpu = meter.read()
    verification = None
    try:
        verification = await verify(
            stack.url("gateway"), args.n // args.threads_per, len(workload.batch_of)
        )
    except (httpx.HTTPError, KeyError) as exc:
        print(f"   verification through the gateway failed: {exc}", flush=True)
    return summarise(progress, args, replicas, ceiling, verification, cpu)


# ---------------------------------------------------------------------------------------------
# Part 2b: open loop, one interaction per POST at half the end-to-end rate (bench/_openloop.py)


async def run_open_loop(
    stack: Stack, url: str, args: argparse.Namespace, marker: str, rate: float
) -> openloop.OpenLoopResult:
    """POST one interaction at a time at ``rate`` for ``--open-loop-seconds`` and time each
    from the start of its POST to its ticket event (``Progress.ticketed_at``)."""
    seconds = args.open_loop_seconds
    n = max(args.threads_per, int(rate * seconds) // args.threads_per * args.threads_per)
    workload = build_workload(n, args.threads_per, 1, marker, seed=11)
    progress = Progress(workload, [None] * n, [None] * n)
    headers = {"X-Api-Key": ingest_key()}
    poster = openloop.Poster(f"{stack.url('ingestor')}/v1/interactions", headers)
    connection = await listen_for_ticket_events(url, progress)

    def on_answer(index: int, body: bytes) -> None:
        answer = json.loads(body)
        progress.accepted += answer["accepted"]
        progress.duplicates += answer["duplicates"]

    try:
        await asyncio.sleep(1.0)  # whatever the flood left behind settles first
        meter = CpuMeter(measured_pids(stack))
        services = {p.name: p.popen.pid for p in stack.processes}
        began = time.monotonic()
        with profiling.recording(services, args.profile and args.profile / "open"):
            sending = await openloop.send_on_schedule(
                poster, workload.bodies, rate, progress.post_started, on_answer
            )
            while not progress.all_ticketed.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(progress.all_ticketed.wait(), 1.0)
                if time.monotonic() - progress.last_change > args.idle_timeout:
                    print(f"   no progress for {args.idle_timeout:.0f} s: giving up", flush=True)
                    break
        cpu, busy = meter.read()
        elapsed = time.monotonic() - began
    finally:
        await poster.close()
        await connection.close()
    latencies = sorted(
        at - posted
        for key, index in workload.batch_of.items()
        if (at := progress.ticketed_at(key)) is not None
        and (posted := progress.post_started[index]) is not None
    )
    answers = sorted(sending.answer_seconds)
    completed = progress.ticketed >= n
    p50, p99 = (openloop.percentile(latencies, f) * 1000 for f in (0.50, 0.99))
    result = openloop.OpenLoopResult(
        rate_per_s=rate,
        seconds_planned=seconds,
        seconds=elapsed,
        interactions=n,
        sent=sending.sent,
        failed_posts=sending.failed,
        ticketed=progress.ticketed,
        completed=completed,
        post_p50_ms=openloop.percentile(answers, 0.50) * 1000,
        post_p99_ms=openloop.percentile(answers, 0.99) * 1000,
        send_lag_max_ms=sending.lag_seconds * 1000,
        retries=sending.retries,
        latency_p50_ms=p50,
        latency_p99_ms=p99,
        latency_max_ms=(latencies[-1] if latencies else 0.0) * 1000,
        machine_busy_percent=busy,
        cpu_seconds=cpu,
        verdict=openloop.verdict(p50, p99, completed),
    )
    print(
        f"   {n:,} at {rate:,.0f}/s: POST -> ticket p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {result.latency_max_ms:.1f} ms: {result.verdict}",
        flush=True,
    )
    return result


# ---------------------------------------------------------------------------------------------
# Part 3: gateway reads beside a hello-world


def start_hello(port: int) -> subprocess.Popen[bytes]:
    """The hello-world under uvicorn with the flags `devtools.launcher` gives every service."""
    command = uvicorn_command("bench.hello_app:create_app", port)
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the hello-world app did not answer within 30 s")


def measure_reads(url: str, pids: Mapping[str, int], args: argparse.Namespace) -> ReadRun:
    meter = CpuMeter(pids)
    load = hammer(
        url, headers=admin_headers(), clients=args.read_clients, seconds=args.read_seconds
    )
    spent, _ = meter.read()
    run = ReadRun(load, spent)
    print(
        f"   {url}: {load.req_per_s:,.0f} req/s, p50 {load.p50_ms:.1f} ms, "
        f"p99 {load.p99_ms:.1f} ms (client CPU {load.client_cpu_percent:.0f} %)",
        flush=True,
    )
    return run


def run_reads(stack: Stack, args: argparse.Namespace) -> ReadsResult:
    serving = {
        p.name: p.popen.pid
        for p in stack.processes
        if p.name.split("-")[0] in ("gateway", "ticketing")
    }
    if (broker := rabbitmq_pid()) is not None:
        serving["rabbitmq"] = broker
    services = {name: pid for name, pid in serving.items() if name != "rabbitmq"}
    with profiling.recording(services, args.profile and args.profile / "list"):
        gateway = measure_reads(f"{stack.url('gateway')}/v1/tickets?page_size=50", serving, args)
    first = httpx.get(
        f"{stack.url('gateway')}/v1/tickets?page_size=1", headers=admin_headers(), timeout=30
    ).json()["items"][0]
    with profiling.recording(services, args.profile and args.profile / "detail"):
        detail = measure_reads(
            f"{stack.url('gateway')}/v1/tickets/{first['protocol']}", serving, args
        )
    port = free_port()
    hello_process = start_hello(port)
    try:
        hello = measure_reads(f"http://127.0.0.1:{port}/", {"hello": hello_process.pid}, args)
    finally:
        hello_process.terminate()
        hello_process.wait(30)
    return ReadsResult(gateway, hello, detail)


# ---------------------------------------------------------------------------------------------
# Report


def table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    lines = [title, "-" * len(title)]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines)


def ceiling_rows(result: BenchResult, c: CeilingResult) -> list[tuple[str, str]]:
    return [
        ("load before", result.load.get("ceiling", "")),
        ("messages", f"{c.messages:,} x {c.size_bytes} B"),
        ("publish window / prefetch", f"{c.window} / {c.prefetch}"),
        ("first publish -> last consumed", f"{c.seconds:.2f} s"),
        ("throughput", f"{c.msg_per_s:,.0f} msg/s"),
        ("publisher alone (confirmed)", f"{c.publish_msg_per_s:,.0f} msg/s"),
        (
            "CPU publisher / consumer / broker",
            f"{c.publisher_cpu_s:.1f} / {c.consumer_cpu_s:.1f} / "
            f"{c.rabbitmq_cpu_s if c.rabbitmq_cpu_s is not None else float('nan'):.1f} s "
            f"= {c.cpu_ms_per_message:.2f} ms per message",
        ),
        ("machine CPU busy (all processes)", f"{c.machine_busy_percent:.0f} %"),
    ]


def pipeline_rows(result: BenchResult, p: PipelineResult) -> list[tuple[str, str]]:
    ratio = f"{p.ceiling_ratio:.1%}" if p.ceiling_ratio is not None else "n/a"
    rows = [
        ("load before", result.load.get("pipeline", "")),
        (
            "interactions",
            f"{p.interactions:,} ({p.interactions // p.threads_per:,} threads of "
            f"{p.threads_per}), batches of {p.batch}, {p.posters} posters",
        ),
        ("replicas", ", ".join(f"{k}={v}" for k, v in sorted(p.replicas.items())) or "1 each"),
        (
            "ticketed",
            f"{p.interactions_ticketed:,} of {p.interactions:,} "
            f"({'complete' if p.completed else 'INCOMPLETE'}): {p.with_own_event:,} with an "
            f"event of their own, {p.collected_at_open:,} collected by a ticket opening",
        ),
        (
            "ticket events received",
            f"{p.events_received:,} in {p.event_messages_received:,} messages",
        ),
        (
            "accepted / duplicates / failed POSTs",
            f"{p.accepted:,} / {p.duplicates:,} / {p.failed_posts}",
        ),
        ("first POST -> last event", f"{p.seconds:.2f} s"),
        ("END-TO-END THROUGHPUT", f"{p.interactions_per_s:,.0f} interactions/s"),
        (
            "latency p50 / p99 / max",
            f"{p.latency_p50_ms:,.0f} / {p.latency_p99_ms:,.0f} / {p.latency_max_ms:,.0f} ms",
        ),
        (
            "ingestor accept rate",
            f"{p.ingest_per_s:,.0f} interactions/s (last 202 after {p.ingest_seconds:.2f} s)",
        ),
        ("end-to-end / raw ceiling", f"{ratio} (target >= {p.target_ratio:.0%}): {p.verdict}"),
    ]
    if p.verification:
        v = p.verification
        rows.append(
            (
                "gateway check",
                f"{'OK' if v.ok else 'WRONG'}: {v.tickets:,} tickets (expected "
                f"{v.tickets_expected:,}), {v.interactions:,} interactions in them (expected "
                f"{v.interactions_expected:,})",
            )
        )
    else:
        rows.append(("gateway check", "not done"))
    rows.append(("machine CPU busy (all processes)", f"{p.machine_busy_percent:.0f} %"))
    hop = (
        f"; the raw ceiling spends {result.ceiling.cpu_ms_per_message:.2f} ms per message"
        if result.ceiling
        else ""
    )
    rows.append(
        ("CPU per interaction", f"{p.cpu_ms_per_interaction:.2f} ms, all processes below{hop}")
    )
    for name, spent in sorted(p.cpu_seconds.items(), key=lambda kv: -kv[1]):
        share = spent / p.seconds if p.seconds else 0.0
        per = 1000 * spent / p.interactions_ticketed if p.interactions_ticketed else 0.0
        rows.append(
            (f"  CPU {name}", f"{spent:6.2f} s = {share:4.0%} of a core, {per:.2f} ms/interaction")
        )
    return rows


def reads_rows(result: BenchResult, r: ReadsResult) -> list[tuple[str, str]]:
    rows = [("load before", result.load.get("reads", ""))]
    runs = [("gateway GET /v1/tickets?page_size=50", r.gateway)]
    if r.detail:
        runs.append(("gateway GET /v1/tickets/{protocol}", r.detail))
    runs.append(("FastAPI hello-world, launcher's flags", r.hello))
    for label, run in runs:
        load = run.load
        rows.append(
            (
                label,
                f"{load.req_per_s:,.0f} req/s, p50 {load.p50_ms:.1f} ms, "
                f"p99 {load.p99_ms:.1f} ms, errors {load.errors}",
            )
        )
        count = max(load.requests_with_warmup, 1)
        split = " + ".join(
            f"{name} {1000 * spent / count:.2f}"
            for name, spent in sorted(run.server_cpu_seconds.items(), key=lambda kv: -kv[1])
        )
        rows.append(
            (
                "  server CPU per request",
                f"{run.server_cpu_ms_per_request:.2f} ms"
                + (f" ({split})" if len(run.server_cpu_seconds) > 1 else ""),
            )
        )
        rows.append(("  load generator CPU", f"{load.client_cpu_percent:.0f} % of a core"))
    rows.append(("gateway / hello-world", f"{r.ratio:.0%}"))
    if r.detail:
        rows.append(("detail / hello-world", f"{r.detail_ratio:.0%}"))
    return rows


def summary_rows(result: BenchResult) -> list[tuple[str, str]]:
    rows = []
    if result.ceiling:
        rows.append(("raw RabbitMQ ceiling", f"{result.ceiling.msg_per_s:,.0f} msg/s"))
    if p := result.pipeline:
        ratio = f"{p.ceiling_ratio:.1%}" if p.ceiling_ratio is not None else "n/a"
        rows += [
            (
                "end to end",
                f"{p.interactions_per_s:,.0f} interactions/s = {ratio} of the "
                f"ceiling (target {p.target_ratio:.0%}): {p.verdict}",
            ),
            (
                "latency p50 / p99 / max",
                f"{p.latency_p50_ms / 1000:,.1f} / "
                f"{p.latency_p99_ms / 1000:,.1f} / {p.latency_max_ms / 1000:,.1f} s",
            ),
            ("ingestor accept rate", f"{p.ingest_per_s:,.0f} interactions/s"),
            ("gateway check", "OK" if p.verification and p.verification.ok else "FAILED"),
        ]
    if o := result.open_loop:
        rows.append(
            (
                "open loop POST -> ticket",
                f"p50 {o.latency_p50_ms:.0f} / p99 {o.latency_p99_ms:.0f} / max "
                f"{o.latency_max_ms:.0f} ms at {o.rate_per_s:,.0f} interactions/s "
                f"(targets {openloop.TARGET_P50_MS:.0f} / {openloop.TARGET_P99_MS:.0f} ms): "
                f"{o.verdict}",
            )
        )
    if r := result.reads:
        rows += [
            (
                "gateway reads",
                f"{r.gateway.load.req_per_s:,.0f} req/s, p50 "
                f"{r.gateway.load.p50_ms:.0f} ms, p99 {r.gateway.load.p99_ms:.0f} ms",
            ),
            (
                "hello-world",
                f"{r.hello.load.req_per_s:,.0f} req/s, p50 "
                f"{r.hello.load.p50_ms:.0f} ms, p99 {r.hello.load.p99_ms:.0f} ms "
                f"(gateway = {r.ratio:.0%} of it)",
            ),
        ]
        if r.detail:
            rows.append(
                (
                    "ticket detail",
                    f"{r.detail.load.req_per_s:,.0f} req/s, p50 {r.detail.load.p50_ms:.0f} ms, "
                    f"p99 {r.detail.load.p99_ms:.0f} ms ({r.detail_ratio:.0%} of the hello-world)",
                )
            )
    return rows


def report(result: BenchResult) -> str:
    parts = []
    if result.ceiling:
        parts.append(
            table(
                "1. Raw RabbitMQ ceiling (aio-pika, 1 hop, persistent, confirms, quorum queue)",
                ceiling_rows(result, result.ceiling),
            )
        )
    if result.pipeline:
        parts.append(
            table(
                "2. End to end: POST -> ingestor -> rules -> ticketing -> ticket event",
                pipeline_rows(result, result.pipeline),
            )
        )
    if result.open_loop:
        parts.append(
            table(
                "2b. Open loop: one interaction per POST -> ticket event, at a constant rate",
                openloop.rows(result.open_loop),
            )
        )
    if result.reads:
        clients = result.reads.gateway.load.clients
        seconds = result.reads.gateway.load.seconds
        parts.append(
            table(
                f"3. HTTP reads ({clients} clients, {seconds:.0f} s each)",
                reads_rows(result, result.reads),
            )
        )
    parts.append(table("Summary", summary_rows(result)))
    return "\n\n".join(parts)


def save(result: BenchResult) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"pipeline-{stamp}.json"
    data = asdict(result)
    if result.ceiling:
        data["ceiling"]["cpu_ms_per_message"] = result.ceiling.cpu_ms_per_message
    if result.pipeline:
        data["pipeline"]["cpu_ms_per_interaction"] = result.pipeline.cpu_ms_per_interaction
        if result.pipeline.verification:
            data["pipeline"]["verification"]["ok"] = result.pipeline.verification.ok
    if result.reads:
        data["reads"]["ratio"] = result.reads.ratio
        for name in ("gateway", "hello"):
            run = getattr(result.reads, name)
            data["reads"][name]["server_cpu_ms_per_request"] = run.server_cpu_ms_per_request
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


# ---------------------------------------------------------------------------------------------
# Main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000, help="interactions to post")
    parser.add_argument("--batch", type=int, default=500, help="interactions per POST (<= 1000)")
    parser.add_argument("--threads-per", type=int, default=10, help="interactions per thread")
    parser.add_argument("--posters", type=int, default=4, help="concurrent HTTP posters")
    parser.add_argument(
        "--replicas", action="append", default=[], help="e.g. ticketing=2 (repeatable)"
    )
    parser.add_argument("--skip-ceiling", action="store_true", help="no raw RabbitMQ run")
    parser.add_argument("--skip-gateway", action="store_true", help="no HTTP read run")
    parser.add_argument("--skip-open-loop", action="store_true", help="no open-loop phase")
    parser.add_argument(
        "--open-loop-seconds", type=float, default=20.0, help="length of the open-loop phase"
    )
    parser.add_argument(
        "--open-loop-rate",
        type=float,
        default=0.0,
        help="interactions/s in the open-loop phase (default: half the end-to-end rate)",
    )
    parser.add_argument("--ceiling-messages", type=int, default=50_000)
    parser.add_argument("--ceiling-size", type=int, default=500)
    parser.add_argument("--ceiling-window", type=int, default=500, help="publishes in flight")
    parser.add_argument("--ceiling-prefetch", type=int, default=300)
    parser.add_argument("--idle-timeout", type=float, default=60.0, help="seconds without progress")
    parser.add_argument("--read-clients", type=int, default=50)
    parser.add_argument("--read-seconds", type=float, default=10.0)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="directory for py-spy profiles of every service process during the pipeline phase"
        " (and the open loop: open/), and of the gateway and ticketing during the list and"
        " detail reads (list/, detail/)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data and logs directory")
    args = parser.parse_args(argv)
    if not 1 <= args.batch <= 1000:
        parser.error("--batch must be between 1 and 1000 (the ingestor's limit)")
    if args.n < args.threads_per or args.n % args.threads_per:
        parser.error("--n must be a multiple of --threads-per")
    try:
        args.replica_counts = parse_replicas(args.replicas)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    result = BenchResult(
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        arguments={
            k: str(v) if isinstance(v, Path) else v
            for k, v in vars(args).items()
            if k != "replicas"
        },
        machine={
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    )
    if not args.skip_ceiling:
        note_load(result, "ceiling")
        result.ceiling = run_ceiling(args)
    work = Path(tempfile.mkdtemp(prefix="socialdesk-bench-"))
    result.logs = str(work / "logs")
    with isolated_vhost("socialdesk-bench") as url:
        stack = Stack(
            data_dir=work / "data",
            env={**SECRETS, "RABBITMQ_URL": url, "SOCIALDESK_LOG_LEVEL": "WARNING"},
            replicas=args.replica_counts,
            port_offset=PORT_OFFSET,
            log_dir=work / "logs",
        )
        stack.start()
        try:
            stack.wait_healthy(timeout=120)
            note_load(result, "pipeline")
            marker = f"bench{uuid.uuid4().hex[:10]}"
            result.pipeline = asyncio.run(
                run_pipeline(stack, url, args, args.replica_counts, result.ceiling, marker)
            )
            rate = args.open_loop_rate or result.pipeline.interactions_per_s / 2
            if not args.skip_open_loop and result.pipeline.completed and rate > 0:
                note_load(result, "open loop")
                result.open_loop = asyncio.run(run_open_loop(stack, url, args, marker, rate))
            if not args.skip_gateway:
                note_load(result, "reads")
                result.reads = run_reads(stack, args)
        finally:
            print("\n== stopping the stack", flush=True)
            stack.stop()
    ok = bool(
        result.pipeline
        and result.pipeline.completed
        and result.pipeline.verification
        and result.pipeline.verification.ok
        and (result.open_loop is None or result.open_loop.completed)
    )
    if ok and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        result.logs = None
    print("\n" + report(result))
    path = save(result)
    print(f"\nsaved {path.relative_to(ROOT)}" + (f"; logs in {result.logs}" if result.logs else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
