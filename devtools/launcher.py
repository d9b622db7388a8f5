"""Starts the five services (and an SMTP sink) as separate processes, the way `make run`, the
cross-service tests and the benchmark need them, and stops them cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    factory: str
    port: int


SERVICES = (
    ServiceSpec("gateway", "gateway.app:create_app", 8000),
    ServiceSpec("ingestor", "ingestor.app:create_app", 8001),
    ServiceSpec("rules", "rules.app:create_app", 8002),
    ServiceSpec("ticketing", "ticketing.app:create_app", 8003),
    ServiceSpec("notifier", "notifier.app:create_app", 8004),
)
SMTP_PORT = 8025
INBOUND_SMTP_PORT = 8026
"""The ingestor's own SMTP endpoint (mail in), replica i on + i * 100 like the HTTP ports."""
REPLICA_PORT_STEP = 100
"""Replica i of a service listens on its port + i * 100 (its /healthz; the work comes from
RabbitMQ, shared by all replicas)."""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    health_url: str | None


@dataclass
class Stack:
    data_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    replicas: Mapping[str, int] = field(default_factory=dict)
    port_offset: int = 0
    log_dir: Path | None = None
    with_mail_sink: bool = True
    processes: list[Process] = field(default_factory=list)

    def port(self, service: str, replica: int = 0) -> int:
        spec = next(s for s in SERVICES if s.name == service)
        return spec.port + self.port_offset + replica * REPLICA_PORT_STEP

    def url(self, service: str, replica: int = 0) -> str:
        return f"http://127.0.0.1:{self.port(service, replica)}"

    @property
    def smtp_port(self) -> int:
        return SMTP_PORT + self.port_offset

    def inbound_smtp_port(self, replica: int = 0) -> int:
        return INBOUND_SMTP_PORT + self.port_offset + replica * REPLICA_PORT_STEP

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def process_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SOCIALDESK_DATA_DIR": str(self.data_dir),
            "NOTIFIER_SMTP_PORT": str(self.smtp_port),
            "NOTIFIER_PUBLIC_URL": self.url("gateway"),
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.with_mail_sink:
            self._spawn(
                "mailsink",
                [
                    sys.executable,
                    "-m",
                    "devtools.mailsink",
                    "--dir",
                    str(self.mail_dir),
                    "--port",
                    str(self.smtp_port),
                ],
                None,
            )
        for spec in SERVICES:
            for replica in range(self.replicas.get(spec.name, 1)):
                self.start_replica(spec.name, replica)

    def start_replica(
        self, service: str, replica: int = 0, env: Mapping[str, str] | None = None
    ) -> Process:
        """``env`` is added to the stack's for this process only (tests that configure one
        replica differently, e.g. the pollers')."""
        spec = next(s for s in SERVICES if s.name == service)
        port = self.port(service, replica)
        name = spec.name if replica == 0 else f"{spec.name}-{replica}"
        command = uvicorn_command(spec.factory, port)
        own = dict(env or {})
        if service == "ingestor":
            own.setdefault("INGESTOR_SMTP_PORT", str(self.inbound_smtp_port(replica)))
        return self._spawn(name, command, f"http://127.0.0.1:{port}/healthz", own)

    def _spawn(
        self,
        name: str,
        command: list[str],
        health_url: str | None,
        own_env: Mapping[str, str] | None = None,
    ) -> Process:
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{name}.log").open("ab")
        popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.process_env(), **(own_env or {})},
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        process = Process(name, popen, health_url)
        self.processes.append(process)
        return process

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for process in self.processes:
            while True:
                if process.popen.poll() is not None:
                    raise RuntimeError(f"{process.name} exited with {process.popen.returncode}")
                if process.health_url is None or _healthy(process.health_url):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{process.name} not healthy after {timeout}s")
                time.sleep(0.1)

    def all_healthy(self) -> bool:
        """Every process that has a probe answers 200 right now (fault tests poll this)."""
        return all(p.health_url is None or _healthy(p.health_url, 2.0) for p in self.processes)

    def stop_process(self, process: Process, timeout: float = 40.0) -> int | None:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
        try:
            return process.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            return process.popen.wait()

    def stop(self, timeout: float = 40.0) -> None:
        """SIGTERM everything at once (each finishes its in-flight work), then wait."""
        for process in self.processes:
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in self.processes:
            self.stop_process(process, timeout)
        self.processes.clear()


def uvicorn_command(
    factory: str, port: int, *, python: str = sys.executable, before: Sequence[str] = ()
) -> list[str]:
    """How every service process is started (the benchmarks start theirs the same way):
    uvicorn on ``factory`` at 127.0.0.1:``port``; ``before``: the interpreter's own options
    ahead of ``-m uvicorn`` (e.g. ``-m cProfile -o FILE``)."""
    return [
        python,
        *before,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "30",
    ]


def _healthy(url: str, timeout: float = 1.0) -> bool:
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False
