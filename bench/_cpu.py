"""CPU accounting from /proc: how many CPU seconds given processes spent between two reads, and
how busy the whole machine was meanwhile. On a 2-core machine shared with other work, CPU
seconds per message are the figure that contention does not move, so every part reports them
beside its throughput."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system time of every thread of ``pid`` so far; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def rabbitmq_pid() -> int | None:
    """The local RabbitMQ node (Erlang's beam.smp), if it runs on this machine."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "beam.smp":
                return int(comm.parent.name)
        except (OSError, ValueError):
            continue
    return None


def _machine() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """Started on construction; ``read()`` gives CPU seconds per name since then and the share
    of all cores that were busy (every process: ours, the services', and anyone else's)."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self._pids = dict(pids)
        started = {name: process_cpu_seconds(pid) for name, pid in self._pids.items()}
        self._start = {name: cpu for name, cpu in started.items() if cpu is not None}
        self._machine_start = _machine()

    def read(self) -> tuple[dict[str, float], float]:
        spent = {}
        for name, pid in self._pids.items():
            now = process_cpu_seconds(pid)
            if now is not None and name in self._start:
                spent[name] = round(now - self._start[name], 2)
        busy0, total0 = self._machine_start
        busy1, total1 = _machine()
        busy = 100.0 * (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
        return spent, round(busy, 1)
