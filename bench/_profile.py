"""py-spy on the pipeline's service processes while a bench phase runs (``--profile DIR``).

Issue 8 asks to profile before optimising: this records one flame graph per service process
(``<name>.svg``) and a raw collapsed-stack file (``<name>.txt``, for ranking functions by
self time) over exactly the phase measured, so the costs can be ranked from the same run whose
figures are reported. py-spy samples from outside the process (``--nonblocking``), so it adds
little CPU to the processes it watches; it does take some of the shared cores itself.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path


def py_spy() -> list[str] | None:
    """py-spy if installed, else through uv (``uv run --with py-spy``)."""
    if found := shutil.which("py-spy"):
        return [found]
    if uv := shutil.which("uv"):
        return [uv, "run", "--frozen", "--with", "py-spy", "py-spy"]
    return None


@contextlib.contextmanager
def recording(pids: Mapping[str, int], out: Path | None, rate: int = 200) -> Iterator[None]:
    """Record every process in ``pids`` into ``out`` while the block runs (no-op without out)."""
    command = py_spy() if out is not None else None
    if out is None or command is None:
        if out is not None:
            print("   py-spy not found: no profile", file=sys.stderr, flush=True)
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    spies: list[subprocess.Popen[bytes]] = []
    for name, pid in pids.items():
        for fmt, suffix in (("flamegraph", "svg"), ("raw", "txt")):
            output = str(out / f"{name}.{suffix}")
            spies.append(
                subprocess.Popen(
                    [
                        *command,
                        "record",
                        "--nonblocking",
                        "--rate",
                        str(rate),
                        "--format",
                        fmt,
                        "--output",
                        output,
                        "--pid",
                        str(pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    try:
        yield
    finally:
        for spy in spies:  # py-spy writes its output when interrupted
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            try:
                spy.wait(timeout=60)
            except subprocess.TimeoutExpired:
                spy.kill()
        print(f"   profiles in {out}", flush=True)
