"""A RabbitMQ node of a test's own, for fault tests and the chaos benchmark.

The machine's shared node (127.0.0.1:5672) serves every test run and `make run`; a test that
stops, restarts or `kill -9`s a broker must never touch it. ``RabbitNode`` starts a node of its
own with ``rabbitmq-server`` in the foreground (not ``-detached``, so this process holds its pid
and can kill it), under a unique node name, on free AMQP and distribution ports, with its
data, logs, cookie and config in a directory of its own and no plugins. ``stop()``,
``kill()`` and ``start()`` keep the data directory and the port, so a restarted node has its
durable queues and messages back and clients reconnect to the same URL::

    with RabbitNode() as node:        # started, accepting AMQP connections
        url = node.url                # amqp://guest:guest@127.0.0.1:<port>/
        node.kill()                   # SIGKILL: a crash, nothing flushed beyond what fsync kept
        node.start()                  # same data, same port
        node.stop()                   # a clean shutdown (SIGTERM)
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
"""The script itself, not /usr/sbin's wrapper: the wrapper switches to the rabbitmq user and
cds to the shared node's home."""

_names = itertools.count()


def free_port() -> int:
    """A free port below Linux's ephemeral range (32768+): a port from that range can be taken
    by some client's outgoing socket while the node is down, and the restart would fail."""
    for _ in range(200):
        port = random.randrange(28000, 32700)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 28000-32700")


def accepts_amqp(port: int, timeout: float = 1.0) -> bool:
    """Whether a broker on ``port`` answers the AMQP 0-9-1 greeting with Connection.Start (a
    method frame, type 1). RabbitMQ opens its listener only at the end of its boot, so this
    means the node is ready for clients."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            return sock.recv(1)[:1] == b"\x01"
    except OSError:
        return False


class RabbitNode:
    """A private RabbitMQ node; see the module's docstring."""

    def __init__(self, base_dir: Path | None = None, boot_timeout: float = 90.0) -> None:
        self._own_dir = base_dir is None
        self.base_dir = base_dir or Path(tempfile.mkdtemp(prefix="sd-rabbit-"))
        self.name = f"sd-fault-{os.getpid()}-{next(_names)}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.boot_timeout = boot_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The AMQP URL of the node's default vhost (guest is allowed from 127.0.0.1)."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _env(self) -> dict[str, str]:
        base = self.base_dir
        base.mkdir(parents=True, exist_ok=True)
        for sub in ("mnesia", "log", "plugins-expand", "home"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "enabled_plugins").write_text("[].\n")
        # Our own config and env files: the machine's (/etc/rabbitmq) name the shared node
        # and its listener on 5672.
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "loopback_users.guest = true\n"
            # The disk-free alarm blocks publishers on a machine with little free space; a
            # fault test is about crashes, not about disk alarms.
            "disk_free_limit.absolute = 1MB\n"
        )
        (base / "rabbitmq-env.conf").write_text("")
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(base / "home"),  # the Erlang cookie is created here
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_PLUGINS_EXPAND_DIR": str(base / "plugins-expand"),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_PID_FILE": str(base / "rabbit.pid"),
        }

    def start(self) -> None:
        """Start the node (again, on the same data and port) and wait until it accepts AMQP
        connections."""
        if self.running:
            return
        env = self._env()
        output = (self.base_dir / "console.log").open("ab")
        self._process = subprocess.Popen(
            [SERVER],
            env=env,
            cwd=self.base_dir,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            # A process group of its own, so kill() reaches the Erlang VM and its helpers
            # (the script runs erl as a child) and nothing else.
            start_new_session=True,
        )
        output.close()
        deadline = time.monotonic() + self.boot_timeout
        while not accepts_amqp(self.port):
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.base_dir / 'console.log'}")
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"{self.name} did not accept AMQP within {self.boot_timeout}s")
            time.sleep(0.2)

    def stop(self, timeout: float = 60.0) -> None:
        """A clean shutdown: SIGTERM, which RabbitMQ handles like `rabbitmqctl stop`."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL to the node's whole process group: a crash, as `kill -9` on a server."""
        self._signal(signal.SIGKILL, 30.0)

    def _signal(self, sig: signal.Signals, timeout: float) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        # The Erlang VM may outlive the script by a moment; the port must be free before a
        # restart binds it again.
        deadline = time.monotonic() + timeout
        while accepts_amqp(self.port, timeout=0.2) and time.monotonic() < deadline:
            time.sleep(0.1)

    def close(self) -> None:
        """Kill the node and remove its directory (when this object made it)."""
        self.kill()
        if self._own_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> RabbitNode:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
