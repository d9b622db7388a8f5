"""The ingestor's CPU per POST of one interaction, as the pipeline's open loop sends them.

Starts the ingestor alone (uvicorn with the launcher's flags, the environment
``Stack.process_env()`` gives it, a RabbitMQ vhost of its own), POSTs one interaction per
request at a fixed rate on an open-loop schedule (``bench/_openloop.py``'s Poster), and reads
the ingestor process's user and system CPU from /proc before and after. Nothing consumes
``interaction.received.v1`` here, so only the ingestor's own work is counted: auth, body
limits, validation, the de-duplication write, the confirmed publish, metrics.

Given several checkouts (``--checkout /work/old --checkout /work/new``), it runs them in turn,
``--rounds`` times, each from its own ``.venv``, so old and new code are compared in one
sitting on a machine that others share (CPU per POST, not throughput, is the figure to
compare). ``--perf DIR`` also records each run with ``perf record -g`` into DIR;
``--cprofile DIR`` runs the ingestor under cProfile (its whole life, start-up included, and
its own overhead: for ranking, not for the figures).

    uv run --frozen python bench/ingest_cost.py --rate 200 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `devtools` and `bench` importable
    sys.path.insert(0, str(ROOT))

from bench import _openloop as openloop  # noqa: E402
from devtools import secretfile  # noqa: E402
from devtools.launcher import Stack, uvicorn_command  # noqa: E402
from devtools.vhost import isolated_vhost  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PORT_OFFSET = int(os.environ.get("SOCIALDESK_TEST_PORT_OFFSET", "20000"))


def cpu_ticks(pid: int) -> tuple[int, int]:
    """User and system clock ticks of every thread of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def thread_ticks(pid: int) -> dict[str, int]:
    """Clock ticks (user + system) so far of the event loop's thread ("loop", the main one)
    and of all the others ("threads": SQLite's, its checkpoints'), as Python 3.11 names no
    thread for the OS."""
    ticks = {"loop": 0, "threads": 0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = task.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        ticks["loop" if task.name == str(pid) else "threads"] += int(fields[11]) + int(fields[12])
    return ticks


def bodies(n: int) -> list[bytes]:
    """N distinct interactions shaped as the pipeline bench's (``build_workload``)."""
    run = uuid.uuid4().hex[:8]
    return [
        json.dumps(
            {
                "channel": "facebook",
                "account": "acme-page",
                "external_id": f"{run}-{i}",
                "thread_id": f"{run}-post-{i // 4}",
                "kind": "comment",
                "author": {
                    "id": f"fb-{i}",
                    "name": "Maria Souza",
                    "handle": "@maria.souza",
                    "bio": "Médica",
                },
                "text": f"Meu pedido {10**7 + i} não chegou, vou reclamar na Anatel!",
                "language": "pt",
                "occurred_at": "2026-11-25T10:00:00+00:00",
                "engagement": {"likes": i % 50, "replies": i % 5},
                "raw": {"id": f"{run}-{i}", "created_time": 1764064800 + i},
            },
            ensure_ascii=False,
        ).encode()
        for i in range(n)
    ]


def start_ingestor(
    checkout: Path, stack: Stack, cprofile: Path | None = None
) -> subprocess.Popen[bytes]:
    port = stack.port("ingestor")
    profiled = ["-m", "cProfile", "-o", str(cprofile)] if cprofile is not None else []
    python = str(checkout / ".venv" / "bin" / "python")
    command = uvicorn_command("ingestor.app:create_app", port, python=python, before=profiled)
    env = {**stack.process_env(), "INGESTOR_SMTP_PORT": str(stack.inbound_smtp_port())}
    process = subprocess.Popen(command, cwd=checkout, env=env)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the ingestor exited with {process.returncode}")
        try:
            if httpx.get(f"{stack.url('ingestor')}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError("the ingestor is not healthy after 60 s")
        time.sleep(0.2)


async def post_all(url: str, key: str, payloads: Sequence[bytes], rate: float) -> int:
    """POST every payload on schedule; how many were refused or failed."""
    poster = openloop.Poster(url, {"X-Api-Key": key})
    failed = 0

    def on_answer(index: int, body: bytes) -> None:
        pass

    try:
        warm = await poster.post(bodies(1)[0])  # a connection and a first request, unmeasured
        if warm[0] != 202:
            raise RuntimeError(f"the ingestor answered {warm}")
        started: list[float | None] = [None] * len(payloads)
        sending = await openloop.send_on_schedule(poster, payloads, rate, started, on_answer)
        failed = sending.failed
    finally:
        await poster.close()
    return failed


def measure(checkout: Path, args: argparse.Namespace) -> dict[str, float]:
    secrets = secretfile.generate()
    key = secrets["SOCIALDESK_INGEST_KEY"]
    work = Path(tempfile.mkdtemp(prefix="socialdesk-ingest-cost-"))
    run = f"{checkout.name}-{time.time_ns()}"
    if args.perf is not None:
        args.perf.mkdir(parents=True, exist_ok=True)
    if args.cprofile is not None:
        args.cprofile.mkdir(parents=True, exist_ok=True)
    with isolated_vhost("socialdesk-bench-ingest") as url:
        stack = Stack(
            data_dir=work / "data",
            env={**secrets, "RABBITMQ_URL": url, "SOCIALDESK_LOG_LEVEL": "WARNING"},
            port_offset=PORT_OFFSET,
        )
        process = start_ingestor(checkout, stack, args.cprofile and args.cprofile / f"{run}.pstats")
        perf = None
        try:
            n = int(args.rate * args.seconds)
            payloads = bodies(n)
            time.sleep(1.0)  # start-up work settles
            if args.perf is not None:
                output = args.perf / f"{run}.data"
                perf = subprocess.Popen(
                    ["perf", "record", "-g", "-q", "-o", str(output), "-p", str(process.pid)]
                )
            user0, system0 = cpu_ticks(process.pid)
            threads0 = thread_ticks(process.pid)
            failed = asyncio.run(
                post_all(f"{stack.url('ingestor')}/v1/interactions", key, payloads, args.rate)
            )
            user1, system1 = cpu_ticks(process.pid)
            threads1 = thread_ticks(process.pid)
        finally:
            if perf is not None:
                perf.send_signal(signal.SIGINT)
                perf.wait(30)
            # uvicorn raises the signal again once shut down: SIGINT becomes a
            # KeyboardInterrupt, after which cProfile still writes its stats; SIGTERM kills.
            process.send_signal(signal.SIGINT if args.cprofile else signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    per_post = 1000 / TICKS / n
    threads = {name: (ticks - threads0.get(name, 0)) * per_post for name, ticks in threads1.items()}
    return {
        **{f"thread {name}": ms for name, ms in threads.items() if ms > 0},
        "user_ms": (user1 - user0) * per_post,
        "system_ms": (system1 - system0) * per_post,
        "cpu_ms": (user1 - user0 + system1 - system0) * per_post,
        "failed": failed,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, action="append", default=[])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--rate", type=float, default=200.0, help="POSTs per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--perf", type=Path, help="record each run with perf into this dir")
    parser.add_argument(
        "--cprofile", type=Path, help="run the ingestor under cProfile, its stats into this dir"
    )
    args = parser.parse_args(argv)
    checkouts = [c.resolve() for c in args.checkout] or [ROOT]
    results: dict[Path, list[dict[str, float]]] = {c: [] for c in checkouts}
    for round_ in range(args.rounds):
        for checkout in checkouts:
            result = measure(checkout, args)
            results[checkout].append(result)
            print(
                f"round {round_ + 1} {checkout}: {result['cpu_ms']:.3f} ms CPU per POST "
                f"(user {result['user_ms']:.3f}, system {result['system_ms']:.3f}; "
                f"failed {result['failed']:.0f})   [{os.getloadavg()[0]:.2f} load]",
                flush=True,
            )
            threads = (f"{k[7:]} {v:.3f}" for k, v in result.items() if k.startswith("thread "))
            print(f"   per thread, ms per POST: {', '.join(threads)}", flush=True)
    for checkout, runs in results.items():
        cpu = sorted(r["cpu_ms"] for r in runs)
        print(f"{checkout}: CPU ms per POST {', '.join(f'{c:.3f}' for c in cpu)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
