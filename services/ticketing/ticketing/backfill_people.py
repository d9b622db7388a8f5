"""``python -m ticketing.backfill_people``: give a person to every author of an interaction
stored before people existed, with the service's own settings (the same ``MONGODB_URL`` or
SQLite file, the same RabbitMQ). Run it once after upgrading from a version without people;
it is idempotent and safe while the service runs (docs/operations.md "People"). The people's
announcements go through the outbox: published here when RabbitMQ answers, else by the
running service's relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from datetime import UTC, datetime

from servicekit.publishing import EventPublisher
from servicekit.service import new_broker
from servicekit.topology import declare_events_exchange
from ticketing.settings import TicketingSettings
from ticketing.store import open_store
from ticketing.usecases.people.backfill import backfill_people

log = logging.getLogger("ticketing.backfill_people")


async def main() -> int:
    settings = TicketingSettings()
    store = open_store(settings)
    broker = new_broker(settings.rabbitmq_url, settings.prefetch, "ticketing")
    await store.open()
    try:
        try:
            await broker.connect()
            await declare_events_exchange(broker)
        except Exception:
            log.warning("RabbitMQ is not reachable: the service's outbox relay will announce")
        done = await backfill_people(
            store=store, publisher=EventPublisher(broker), now=datetime.now(UTC)
        )
    finally:
        with contextlib.suppress(Exception):
            await broker.stop()
        await store.close()
    print(
        f"people backfilled: {done.made} made for {done.authors} authors"
        f" of {done.interactions} interactions ({store.backend})"
    )
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(asyncio.run(main()))
