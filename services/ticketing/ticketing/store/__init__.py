from __future__ import annotations

from ticketing.settings import TicketingSettings
from ticketing.store.port import TicketStore


def open_store(settings: TicketingSettings) -> TicketStore:
    """MongoDB when MONGODB_URL is set, else the embedded SQLite file."""
    if settings.mongodb_url:
        from ticketing.store.mongo import MongoTicketStore

        return MongoTicketStore(settings.mongodb_url)
    from ticketing.store.sqlite import SqliteTicketStore

    return SqliteTicketStore(settings.sqlite_path("ticketing"))
