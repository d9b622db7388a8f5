"""What every network's poller gets and gives back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from contracts.accounts import AccountRead
from contracts.events import InteractionChangedV1
from contracts.interaction import Interaction
from ingestor.pollers.http import Network


@dataclass
class Found:
    """What a poll found so far: kept even when the poll stops half way (the outbox
    de-duplicates what the next poll finds again)."""

    interactions: list[Interaction] = field(default_factory=list)
    changes: list[InteractionChangedV1] = field(default_factory=list)
    set_aside: list[dict[str, str]] = field(default_factory=list)
    """Items that could not be read, each with its cause and the item as the network sent
    it (kept with the poll's delivery and counted on /v1/webhooks/health)."""
    raw: list[Any] = field(default_factory=list)

    @contextmanager
    def item(self, where: str, raw: Any) -> Iterator[None]:
        """Read one polled item: one the network sent malformed is set aside alone with the
        cause, and the poll goes on with the others (and the cursor still moves), rather than
        one odd comment failing every poll of the account from then on."""
        try:
            yield
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            detail = f"{where}: {type(exc).__name__}: {exc}"[:1000]
            self.set_aside.append({"reason": "unnormalisable", "detail": detail})
            self.raw.append(raw)

    def body(self) -> bytes:
        """What is kept of the poll as its delivery: the items set aside, as received."""
        return json.dumps(self.raw, default=str).encode() if self.raw else b""


@dataclass
class Poll:
    account: AccountRead
    credentials: dict[str, str]
    state: dict[str, Any]
    """The network's own cursor ({} the first time). A poller may record progress in it as
    it goes (a page reached): when the poll stops half way, what it recorded is saved, after
    what it found is accepted."""
    network: Network
    found: Found
    now: datetime


class Poller(Protocol):
    async def __call__(self, poll: Poll) -> dict[str, Any]:
        """Fetch what is new since ``poll.state`` into ``poll.found``; the next state."""
        ...
