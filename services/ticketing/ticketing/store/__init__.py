from __future__ import annotations

from collections.abc import Callable

from servicekit.clock import Clock, system_clock
from ticketing.domain.reports import TicketFacts
from ticketing.settings import TicketingSettings
from ticketing.store.port import TicketStore
from ticketing.store.reports import ReportSource


def open_store(
    settings: TicketingSettings,
    *,
    clock: Clock = system_clock,
    facts_of: Callable[[ReportSource], TicketFacts | None] | None = None,
) -> TicketStore:
    """MongoDB when MONGODB_URL is set, else the embedded SQLite file. ``clock`` is the time
    the outbox and assignment leases run out by; ``facts_of`` (SQLite) has each ticket write
    project its ticket's report facts in its own transaction."""
    if settings.mongodb_url:
        from ticketing.store.mongo import MongoTicketStore

        return MongoTicketStore(settings.mongodb_url, clock=clock)
    from ticketing.store.sqlite import SqliteTicketStore

    return SqliteTicketStore(settings.sqlite_path("ticketing"), clock=clock, facts_of=facts_of)
