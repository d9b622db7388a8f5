"""A throw-away RabbitMQ virtual host, so a test run or a benchmark has queues of its own and
never shares messages with `make run` or with another run on the same server."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def isolated_vhost(prefix: str = "socialdesk-test") -> Iterator[str]:
    """Yield an AMQP URL (guest on 127.0.0.1) for a new vhost, deleted afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@127.0.0.1:5672/{quote(name, safe='')}"
    finally:
        _rabbitmqctl("delete_vhost", name)
