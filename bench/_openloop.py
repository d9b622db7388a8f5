"""The open-loop phase of the pipeline benchmark: one comment at a time, on a normal day.

The flood phase measures how fast the pipeline drains a backlog, and its latency is mostly the
wait behind earlier batches. This phase asks the other question: how long does one interaction
take to become a ticket when the desk is not overloaded? It POSTs one interaction per request
at a constant rate (half the end-to-end rate the flood just measured, by default), on a
schedule that does not depend on the answers (open loop: a slow answer does not delay the next
send, so a stall shows up in the latency instead of hiding in a lower rate), and times each
interaction from the moment its POST was started to the moment its ticket event is heard.

The POSTs go through a minimal HTTP/1.1 client over asyncio streams (keep-alive connections, a
``Content-Length`` body), not httpx: at a few hundred requests a second httpx would spend a
good part of the bench process's core, and that process also stamps the ticket events, so its
own delays would be counted as the pipeline's. ``send_lag_max_ms`` says how late the
generator started a POST behind its schedule at worst: near zero means the schedule was held.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TARGET_P50_MS = 100.0
TARGET_P99_MS = 500.0
MAX_CONNECTIONS = 64
IDLE_SECONDS = 3.0
"""A kept-alive connection unused this long is closed rather than reused: uvicorn closes its
side after 5 s, and a POST on a connection closing under it would be retried late."""
RETRIES = 3


@dataclass
class OpenLoopResult:
    rate_per_s: float
    seconds_planned: float
    seconds: float
    interactions: int
    sent: int
    failed_posts: int
    ticketed: int
    completed: bool
    post_p50_ms: float
    post_p99_ms: float
    send_lag_max_ms: float
    retries: dict[str, int]
    latency_p50_ms: float
    latency_p99_ms: float
    latency_max_ms: float
    machine_busy_percent: float
    cpu_seconds: dict[str, float]
    verdict: str

    @property
    def cpu_ms_per_interaction(self) -> dict[str, float]:
        done = self.ticketed or 1
        return {name: 1000 * spent / done for name, spent in self.cpu_seconds.items()}


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (0.0 when it is empty)."""
    if not ordered:
        return 0.0
    rank = max(1, round(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def verdict(p50_ms: float, p99_ms: float, completed: bool) -> str:
    ok = completed and p50_ms <= TARGET_P50_MS and p99_ms <= TARGET_P99_MS
    return "PASS" if ok else "MISS"


class Poster:
    """POSTs small JSON bodies to one URL over a pool of keep-alive connections."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._path = parts.path or "/"
        self._head = "".join(
            f"{name}: {value}\r\n"
            for name, value in {
                "Host": f"{self._host}:{self._port}",
                "Content-Type": "application/json",
                **headers,
            }.items()
        )
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """The status and body of the answer; at once again on a new connection if a
        kept-alive one was closed under us."""
        async with self._slots:
            connection = self._reusable()
            if connection is not None:
                reader, writer = connection
                try:
                    return await self._exchange(reader, writer, body)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    writer.close()
            reader, writer = await asyncio.open_connection(self._host, self._port)
            try:
                return await self._exchange(reader, writer, body)
            except BaseException:
                writer.close()
                raise

    def _reusable(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The most recently used idle connection, closing those idle too long."""
        now = time.monotonic()
        while self._idle:
            reader, writer, used = self._idle.pop()
            if now - used < IDLE_SECONDS and not writer.is_closing():
                return reader, writer
            writer.close()
        return None

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes
    ) -> tuple[int, bytes]:
        head = f"POST {self._path} HTTP/1.1\r\n{self._head}Content-Length: {len(body)}\r\n\r\n"
        writer.write(head.encode() + body)
        status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length = None
        for line in lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise ValueError("an answer without Content-Length")
        answer = status, await reader.readexactly(length)
        self._idle.append((reader, writer, time.monotonic()))
        return answer

    async def close(self) -> None:
        for _, writer, _ in self._idle:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        self._idle.clear()


@dataclass
class Sending:
    """What the schedule did: answers' latencies, lateness behind the schedule, failures."""

    answer_seconds: list[float]
    lag_seconds: float = 0.0
    failed: int = 0
    sent: int = 0
    retries: dict[str, int] = field(default_factory=dict)

    def retried(self, reason: str) -> None:
        self.retries[reason] = self.retries.get(reason, 0) + 1


async def send_on_schedule(
    poster: Poster,
    bodies: Sequence[bytes],
    rate: float,
    started: list[float | None],
    on_answer: Callable[[int, bytes], None],
) -> Sending:
    """POST ``bodies[i]`` at ``start + i / rate`` whatever the answers do; ``started[i]`` gets
    the moment POST i began. Returns once every POST was answered."""
    sending = Sending([])
    tasks: set[asyncio.Task[None]] = set()

    async def send(index: int, scheduled: float) -> None:
        now = time.monotonic()
        started[index] = now
        sending.lag_seconds = max(sending.lag_seconds, now - scheduled)
        for attempt in range(RETRIES + 1):
            try:
                status, body = await poster.post(bodies[index])
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                status, body = 0, type(exc).__name__.encode()
            if status == 202:
                sending.answer_seconds.append(time.monotonic() - now)
                on_answer(index, body)
                return
            if 0 < status < 500 or attempt == RETRIES:
                break
            # A transport error or a 503 is retried (a repeat is answered as a duplicate).
            sending.retried(f"{status or body.decode()}")
            await asyncio.sleep(0.2 * (attempt + 1))
        sending.failed += 1
        sending.retried(f"gave up: {status} {body[:200]!r}")

    start = time.monotonic() + 0.1
    for index in range(len(bodies)):
        scheduled = start + index / rate
        if (wait := scheduled - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        task = asyncio.create_task(send(index, scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sending.sent += 1
    while tasks:
        await asyncio.gather(*tasks)
    return sending


def rows(result: OpenLoopResult) -> list[tuple[str, str]]:
    """The report table's rows."""
    r = result
    rows = [
        (
            "schedule",
            f"{r.interactions:,} interactions, one per POST, at {r.rate_per_s:,.0f}/s "
            f"for {r.seconds_planned:.0f} s (half the end-to-end rate above)",
        ),
        (
            "sent / failed POSTs / ticketed",
            f"{r.sent:,} / {r.failed_posts} / {r.ticketed:,}"
            f" ({'complete' if r.completed else 'INCOMPLETE'})",
        ),
        ("retried POSTs", ", ".join(f"{k}: {v}" for k, v in r.retries.items()) or "none"),
        (
            "POST answered p50 / p99",
            f"{r.post_p50_ms:.1f} / {r.post_p99_ms:.1f} ms"
            f" (generator at most {r.send_lag_max_ms:.1f} ms behind schedule)",
        ),
        (
            "POST -> TICKET EVENT p50 / p99 / max",
            f"{r.latency_p50_ms:.1f} / {r.latency_p99_ms:.1f} / {r.latency_max_ms:.1f} ms "
            f"(targets p50 <= {TARGET_P50_MS:.0f}, p99 <= {TARGET_P99_MS:.0f}): {r.verdict}",
        ),
        (
            "machine CPU busy (all processes)",
            f"{r.machine_busy_percent:.0f} % over {r.seconds:.1f} s (sending and draining)",
        ),
    ]
    per = r.cpu_ms_per_interaction
    for name, spent in sorted(r.cpu_seconds.items(), key=lambda kv: -kv[1]):
        share = spent / r.seconds if r.seconds else 0.0
        rows.append(
            (f"  CPU {name}", f"{spent:6.2f} s = {share:4.0%} of a core, {per[name]:.2f} ms/int.")
        )
    return rows
