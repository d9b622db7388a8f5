"""What the fake networks share: the record of every request, and the settings."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Recorded:
    network: str
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class FakeState:
    """Settings come from the environment so the server runs as its own process."""

    meta_app_secret: str = field(
        default_factory=lambda: os.environ.get("FAKENETS_META_APP_SECRET", "dev-meta-app-secret")
    )
    meta_verify_token: str = field(
        default_factory=lambda: os.environ.get(
            "FAKENETS_META_VERIFY_TOKEN", "dev-meta-verify-token"
        )
    )
    meta_webhook_url: str = field(
        default_factory=lambda: os.environ.get(
            "FAKENETS_META_WEBHOOK_URL", "http://127.0.0.1:8001/webhooks/meta"
        )
    )
    x_consumer_secret: str = field(
        default_factory=lambda: os.environ.get(
            "FAKENETS_X_CONSUMER_SECRET", "dev-x-consumer-secret"
        )
    )
    x_webhook_url: str = field(
        default_factory=lambda: os.environ.get(
            "FAKENETS_X_WEBHOOK_URL", "http://127.0.0.1:8001/webhooks/x"
        )
    )
    imap_port: int | None = field(
        default_factory=lambda: (
            int(os.environ["FAKENETS_IMAP_PORT"]) if os.environ.get("FAKENETS_IMAP_PORT") else None
        )
    )
    imap_mailboxes: dict[str, Any] = field(default_factory=dict)
    """devtools.fakenets.imap.Mailbox by user."""
    records: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, entry: Recorded) -> None:
        with self._lock:
            self.records.append(entry)
