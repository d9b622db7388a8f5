"""The ticketing store on SQLite (the default backend). ``store`` holds the adapter class;
the other modules are plain functions over a connection, importing only ``schema``, the
codec and the port, never the adapter (no import circle)."""

from ticketing.store.sqlite.store import SqliteTicketStore

__all__ = ["SqliteTicketStore"]
