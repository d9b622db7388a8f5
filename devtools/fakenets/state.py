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
    records: list[Recorded] = field(default_factory=list)
    meta_script: list[dict[str, Any]] = field(default_factory=list)
    """Answers the next Graph API publishing calls get instead of success, in order."""
    meta_delay_seconds: float = 0.0
    """How long the Graph API takes to answer a publishing call it already recorded (a
    network that took the reply and is slow to say so)."""
    private_replied: set[str] = field(default_factory=set)
    """Comments that already got their one private reply."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, entry: Recorded) -> None:
        with self._lock:
            self.records.append(entry)

    def queue_answers(self, answers: list[dict[str, Any]]) -> int:
        with self._lock:
            self.meta_script.extend(answers)
            return len(self.meta_script)

    def first_private_reply(self, comment_id: str) -> bool:
        """True the first time a comment gets a private reply, False after."""
        with self._lock:
            if comment_id in self.private_replied:
                return False
            self.private_replied.add(comment_id)
            return True

    def scripted(self) -> dict[str, Any] | None:
        """The next scripted answer, if a test queued one."""
        with self._lock:
            return self.meta_script.pop(0) if self.meta_script else None
