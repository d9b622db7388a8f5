"""The fake networks' server as its own process, delivering to a stack's ingestor."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from devtools.launcher import ROOT, Stack
from tests.support import META_APP_SECRET, META_VERIFY_TOKEN, X_CONSUMER_SECRET, wait_until


@contextmanager
def fake_networks(stack: Stack, port: int, imap_port: int | None = None) -> Iterator[httpx.Client]:
    """``imap_port``: also serve the fake IMAP server there."""
    env = {
        **os.environ,
        "FAKENETS_META_APP_SECRET": META_APP_SECRET,
        "FAKENETS_META_VERIFY_TOKEN": META_VERIFY_TOKEN,
        "FAKENETS_META_WEBHOOK_URL": f"{stack.url('ingestor')}/webhooks/meta",
        "FAKENETS_X_CONSUMER_SECRET": X_CONSUMER_SECRET,
        "FAKENETS_X_WEBHOOK_URL": f"{stack.url('ingestor')}/webhooks/x",
        **({"FAKENETS_IMAP_PORT": str(imap_port)} if imap_port else {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.fakenets", "--port", str(port)], cwd=ROOT, env=env
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

            def up() -> bool:
                try:
                    return client.get("/_fake/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            wait_until(up, timeout=30, what="the fake networks to listen")
            yield client
    finally:
        process.terminate()
        process.wait(timeout=10)
