"""What the fake networks share: the record of every request, the faults they are told to
answer with, and the settings."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse


@dataclass
class Recorded:
    network: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float = 0.0
    """time.time() when it arrived."""
    account: str = ""
    """The network's id of the account polled (channel, location, company, organisation)."""
    overlapped: bool = False
    """Another request for the same account was still being served when this one came."""
    status: int = 200
    """A queued fault's status when one answered it."""
    authorization: str = ""
    """The Authorization header a publishing call came with (the token it acted as)."""


@dataclass
class Fault:
    """An answer to give instead of the real one: 429 with Retry-After, a 5xx, or a quota
    error (YouTube's 403 quotaExceeded is a body)."""

    status: int
    retry_after: str | None = None
    body: Any = None


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
    faults: dict[tuple[str, str], list[Fault]] = field(default_factory=lambda: defaultdict(list))
    """By (network, account); account "" for whichever account asks next."""
    delays: dict[str, float] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    """Each network's content (comments, reviews, complaints), by the module's own keys."""
    _inflight: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
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

    @asynccontextmanager
    async def serving(
        self, network: str, account: str, request: Request, body: Any = None
    ) -> AsyncIterator[JSONResponse | None]:
        """Records the request (and whether it overlapped another for the same account),
        waits the network's delay, and yields the fault to answer with, if one is queued."""
        entry = Recorded(
            network,
            request.method,
            request.url.path,
            dict(request.query_params),
            body,
            at=time.time(),
            account=account,
        )
        key = (network, account)
        with self._lock:
            entry.overlapped = self._inflight[key] > 0
            self._inflight[key] += 1
            self.records.append(entry)
            queued = self.faults[key] or self.faults[(network, "")]
            fault = queued.pop(0) if queued else None
            if fault is not None:
                entry.status = fault.status
        try:
            if self.delays.get(network):
                await asyncio.sleep(self.delays[network])
            if fault is None:
                yield None
            else:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                body = fault.body if fault.body is not None else {"error": fault.status}
                yield JSONResponse(body, fault.status, headers=headers)
        finally:
            with self._lock:
                self._inflight[key] -= 1

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
