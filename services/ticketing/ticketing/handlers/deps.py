"""What the handlers hand to the use cases, built once by the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from servicekit.keyed_locks import KeyedLocks
from servicekit.publishing import EventPublisher
from ticketing.domain.priority import PriorityScale
from ticketing.store.port import TicketStore


@dataclass
class Deps:
    store: TicketStore
    publisher: EventPublisher
    scale: PriorityScale
    master_email: str = "master@socialdesk.local"
    """Who hears about an opinion on a ticket nobody is assigned to."""
    locks: KeyedLocks = field(default_factory=KeyedLocks)
    auto_reply_cooldown: timedelta = timedelta(hours=24)
