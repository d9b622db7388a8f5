"""What every network's poller gets and gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

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
