"""What the handlers hand to the use cases, built once by the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from servicekit.clock import Clock, system_clock
from servicekit.keyed_locks import KeyedLocks
from servicekit.publishing import EventPublisher
from ticketing.domain.priority import PriorityScale
from ticketing.shared.sla_policies import CachedPolicies
from ticketing.store.port import TicketStore


@dataclass
class Deps:
    store: TicketStore
    publisher: EventPublisher
    scale: PriorityScale
    master_email: str = "master@socialdesk.local"
    """Who hears about an opinion on a ticket nobody is assigned to."""
    locks: KeyedLocks = field(default_factory=KeyedLocks)
    clock: Clock = system_clock
    """The time the SLA clocks are read at (tests move it: ``TICKETING_CLOCK_OFFSET_FILE``)."""
    sla_policies: CachedPolicies = field(default_factory=CachedPolicies)
    auto_reply_cooldown: timedelta = timedelta(hours=24)
