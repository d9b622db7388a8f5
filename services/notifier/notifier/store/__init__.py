from __future__ import annotations

from notifier.settings import NotifierSettings
from notifier.store.port import NotifierStore


def open_store(settings: NotifierSettings) -> NotifierStore:
    """MongoDB when MONGODB_URL is set, else the embedded SQLite file."""
    if settings.mongodb_url:
        from notifier.store.mongo import MongoNotifierStore

        return MongoNotifierStore(settings.mongodb_url)
    from notifier.store.sqlite import SqliteNotifierStore

    return SqliteNotifierStore(settings.sqlite_path("notifier"))
