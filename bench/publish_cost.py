"""CPU of one confirmed event publish, one at a time (a normal day's shape: one event per
message), through ``servicekit.publishing.EventPublisher`` as the services run it (``start``
called: straight on the channel) and as it ran before (through FastStream's
``broker.publish``), alternating in rounds in one process on one connection.

    uv run --frozen python bench/publish_cost.py [--n 3000] [--rounds 3]

Prints the process's CPU (``time.process_time``) and wall time per publish for each way.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.vhost import isolated_vhost  # noqa: E402


async def measure(url: str, n: int, rounds: int) -> dict[str, list[tuple[float, float]]]:
    from contracts.events import InteractionReceivedV1
    from contracts.interaction import Interaction
    from ingestor.app import EXAMPLE
    from servicekit.publishing import EventPublisher
    from servicekit.service import new_broker
    from servicekit.topology import declare_events_exchange

    broker = new_broker(url, 10, "bench")
    await broker.connect()
    await declare_events_exchange(broker)
    through_faststream = EventPublisher(broker)
    direct = EventPublisher(broker)
    await direct.start("bench")
    event = InteractionReceivedV1(interaction=Interaction.model_validate(EXAMPLE))
    ways = {"through FastStream": through_faststream, "straight on the channel": direct}
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for publisher in ways.values():  # warm both
        for _ in range(100):
            await publisher.publish(event)
    for _ in range(rounds):
        for name, publisher in ways.items():
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(n):
                await publisher.publish(event)
            figures[name].append(
                ((time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6)
            )
    await broker.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="publishes per way and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with isolated_vhost("socialdesk-bench") as url:
        figures = asyncio.run(measure(url, args.n, args.rounds))
    for name, rounds in figures.items():
        cpu = statistics.median(c for c, _ in rounds)
        wall = statistics.median(w for _, w in rounds)
        each = ", ".join(f"{c:.0f}" for c, _ in rounds)
        print(f"{name:24} {cpu:6.0f} us CPU per publish (rounds {each}), {wall:.0f} us wall")
    base, new = (statistics.median(c for c, _ in r) for r in figures.values())
    print(f"straight / through FastStream: {new / base:.2f}")


if __name__ == "__main__":
    main()
