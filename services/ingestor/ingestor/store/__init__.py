"""Where the ingestor keeps what it accepted: the de-duplication log, doubling as the outbox
of the ``interaction.received`` events."""

from __future__ import annotations

from ingestor.settings import IngestorSettings
from ingestor.store.port import IngestStore


def open_store(settings: IngestorSettings) -> IngestStore:
    """MongoDB when MONGODB_URL is set, else the embedded SQLite file."""
    if settings.mongodb_url:
        from ingestor.store.mongo import MongoIngestStore

        return MongoIngestStore(settings.mongodb_url)
    from ingestor.store.sqlite import SqliteIngestStore

    return SqliteIngestStore(settings.sqlite_path("ingestor"))
