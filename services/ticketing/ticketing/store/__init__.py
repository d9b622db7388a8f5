from __future__ import annotations

from servicekit.clock import Clock, system_clock
from ticketing.settings import TicketingSettings
from ticketing.store.port import TicketStore


def open_store(settings: TicketingSettings, *, clock: Clock = system_clock) -> TicketStore:
    """MongoDB when MONGODB_URL is set, else the embedded SQLite file. ``clock`` is the time
    the outbox and assignment leases run out by."""
    if settings.mongodb_url:
        from ticketing.store.mongo import MongoTicketStore

        return MongoTicketStore(settings.mongodb_url, clock=clock)
    from ticketing.store.sqlite import SqliteTicketStore

    return SqliteTicketStore(settings.sqlite_path("ticketing"), clock=clock)
