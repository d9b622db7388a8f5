from __future__ import annotations

from notifier.settings import NotifierSettings
from notifier.store.port import MailLog


def open_store(settings: NotifierSettings) -> MailLog:
    """MongoDB when MONGODB_URL is set, else the embedded SQLite file."""
    if settings.mongodb_url:
        from notifier.store.mongo import MongoMailLog

        return MongoMailLog(settings.mongodb_url)
    from notifier.store.sqlite import SqliteMailLog

    return SqliteMailLog(settings.sqlite_path("notifier"))
