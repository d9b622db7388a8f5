"""The ticketing store on MongoDB. ``store`` composes the typed parts (tickets,
interactions, directory, outbox); the parts import ``documents`` and each other downwards
only, never the adapter (no import circle)."""

from ticketing.store.mongo.store import MongoTicketStore

__all__ = ["MongoTicketStore"]
