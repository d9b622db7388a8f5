"""A closed-loop HTTP load generator in its own process.

``clients`` simulated clients each send their next GET as soon as the previous answer arrived,
over ``clients`` keep-alive connections in all. After ``warmup`` seconds (connections open,
caches warm) the requests that complete within the next ``seconds`` are counted and their
latencies kept. Running in a spawned process keeps the benchmark's own event loop out of the
figures; it runs on uvloop, as uvicorn does.

Two things make httpx a slow client at 50 connections, and both are worked around here:

* httpcore 1.0 looks up the running async library with ``import sniffio`` on every request.
  anyio 4 no longer depends on sniffio, so it is not installed in this workspace and every
  request pays a failed import (a stat of each ``sys.path`` entry). A stand-in module that
  answers "asyncio" -- httpcore's own fallback -- is put in ``sys.modules`` in this process.
* httpcore's connection pool scans all of its connections (a ``poll`` per idle socket) for each
  request, so one ``AsyncClient`` with 50 connections spends its time in that scan (measured:
  ~165 req/s against a hello-world). Each simulated client therefore has an ``AsyncClient`` of
  its own limited to one connection: still 50 connections, none scanned for nothing.

Even so, one Python client costs roughly as much CPU per request as a small FastAPI handler,
and on 2 cores it competes with the server: ``client_cpu_percent`` near 100 means the client
was the limit. Compare figures taken with this same client, not with other tools'.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class LoadResult:
    url: str
    clients: int
    seconds: float
    requests: int
    errors: int
    req_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests_with_warmup: int
    client_cpu_percent: float


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when it is empty)."""
    if not ordered:
        return 0.0
    rank = max(1, round(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


async def _hammer(
    url: str, headers: Mapping[str, str], clients: int, seconds: float, warmup: float
) -> LoadResult:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    pool = [
        httpx.AsyncClient(headers=dict(headers), limits=limits, timeout=30.0)
        for _ in range(clients)
    ]
    latencies: list[float] = []
    errors = total = 0
    start = time.perf_counter() + warmup
    end = start + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, total
        while (sent := time.perf_counter()) < end:
            try:
                ok = (await client.get(url)).status_code == 200
            except httpx.HTTPError:
                ok = False
            done = time.perf_counter()
            total += 1
            if start <= done <= end:
                if ok:
                    latencies.append(done - sent)
                else:
                    errors += 1

    async def cpu_at_start() -> float:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        return time.process_time()

    try:
        cpu_start = asyncio.create_task(cpu_at_start())
        await asyncio.gather(*(worker(client) for client in pool))
        cpu = time.process_time() - await cpu_start
    finally:
        await asyncio.gather(*(client.aclose() for client in pool))
    latencies.sort()
    return LoadResult(
        url=url,
        clients=clients,
        seconds=seconds,
        requests=len(latencies),
        errors=errors,
        req_per_s=len(latencies) / seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] if latencies else 0.0) * 1000,
        requests_with_warmup=total,
        client_cpu_percent=round(100 * cpu / seconds, 1),
    )


def _main(
    url: str,
    headers: Mapping[str, str],
    clients: int,
    seconds: float,
    warmup: float,
    results: multiprocessing.Queue[Any],
) -> None:
    if "sniffio" not in sys.modules:
        try:
            import sniffio  # noqa: F401
        except ImportError:
            stand_in = types.ModuleType("sniffio")
            stand_in.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
            sys.modules["sniffio"] = stand_in
    work = _hammer(url, headers, clients, seconds, warmup)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        results.put(asyncio.run(work))
    else:
        results.put(uvloop.run(work))


def hammer(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    clients: int = 50,
    seconds: float = 10.0,
    warmup: float = 1.0,
) -> LoadResult:
    """GET ``url`` from ``clients`` concurrent clients in a separate process; wait for it."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[Any] = context.Queue()
    process = context.Process(
        target=_main, args=(url, dict(headers or {}), clients, seconds, warmup, results)
    )
    process.start()
    try:
        result: LoadResult = results.get(timeout=warmup + seconds + 120)
    finally:
        process.join(30)
        if process.is_alive():
            process.terminate()
    return result
